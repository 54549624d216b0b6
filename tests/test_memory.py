"""Memory a publish step freed leaves the process, rather than staying with an allocator for later use."""

import subprocess
import sys

FREE_A_LARGE_TABLE = """
import pyarrow as pa
import pyarrow.compute as pc
from govreport.tables.memory import allocate_returnably, release_freed_memory

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

allocate_returnably()
before = rss_mb()
# mid-sized string buffers, as a sorted table's columns are
columns = [pc.cast(pa.array(range(i, i + 1_000_000)), pa.string()) for i in range(0, 12 * 1_000_000, 1_000_000)]
held = rss_mb()
del columns
release_freed_memory()
print(before, held, rss_mb())
"""


def test_a_freed_table_leaves_the_process():
    done = subprocess.run([sys.executable, "-c", FREE_A_LARGE_TABLE], capture_output=True, text=True, check=True)
    before, held, after = map(int, done.stdout.split())
    assert held - before > 100  # the columns were really there
    assert after - before < 0.3 * (held - before), (before, held, after)  # and they are gone
