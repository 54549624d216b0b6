"""The data contract: tables, fields, units, the indicator codelist, and what is generated from them."""
