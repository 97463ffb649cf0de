"""A 3.5-hour video's worth of steps (N = 25,000 at 2 fps) goes through shot detection and scoring in bounded memory.

The work runs in a fresh Python process that reports its peak resident memory (``ru_maxrss``); its address
space is capped, so a regression fails this test with an allocation error instead of exhausting the machine.
Timing is left to ``pglsum benchmark video --long``.
"""

import json
import os
import subprocess
import sys
import textwrap

N_STEPS = 25_000
PEAK_RSS_LIMIT_GB = 8.0
# Address-space cap of the child: above the RSS limit (torch reserves address space it never touches).
ADDRESS_SPACE_CAP_GB = 10

_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    cap = int(float(sys.argv[2]) * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from pglsum_hf.benchmarks.video import long_video_run
    print(json.dumps(long_video_run(int(sys.argv[1]))))
    """
)


def test_shots_and_scores_of_25000_steps_stay_within_8_gb():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(N_STEPS), str(ADDRESS_SPACE_CAP_GB)], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["finite_scores"] == N_STEPS
    assert figures["shots"] >= 0.9 * figures["cuts"]  # the windows find the scene changes all along the video
    assert figures["peak_rss_gb"] <= PEAK_RSS_LIMIT_GB, figures
