"""Static HTML for humans, from the templates in templates/ and the files in static/:

    published/index.html                          every package and version (catalog_page)
    published/<package>/<version>/index.html      the release page (release_page)
    published/<package>/<version>/site/           its stylesheet, scripts and per-document pages (source_page)

The release page's panel view (panel_view, static/panel.js) picks one region, indicator and measure of
targets_vs_actuals and draws its targets against its outcomes over the years, from data embedded in the page.

The pages make no network request of their own (no CDN, no web fonts): they work from a file server or
straight from disk. A Content-Security-Policy forbids inline script and any request off the page's own
origin, as a second line of defence behind Jinja's autoescaping.
"""

from govreport.site.catalog_page import build_catalog_site
from govreport.site.release_page import build_release_site

__all__ = ["build_catalog_site", "build_release_site"]
