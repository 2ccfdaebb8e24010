"""Independent reference for the distance transform of volumes (WeightMapVolumeTests): scipy's exact Euclidean distance
transform, which takes the voxel spacing as its sampling.

    python3 distance_reference.py nearest-two CASES.json

CASES.json is a list of cases, each with a "name", a "shape" (depth, height, width), a "spacing" (z, y, x) and
"labels" in (z, y, x) order, x fastest (0 background, positive values the instances). The script prints one JSON object
keyed by case name; each report holds "first" and "second", per voxel in the same order the distances to the nearest
and the second-nearest instance other than the voxel's own, in units of the smallest spacing, null where there is no
such instance. Nothing here calls UNetDsl: per instance k, scipy.ndimage.distance_transform_edt(labels != k,
sampling=spacing / min(spacing)), then the two smallest per voxel.
"""
import json
import sys

try:
    import numpy as np
    from scipy import ndimage
except ImportError as error:
    print(f"distance_reference.py: {error}; run eng/setup-python-torch.sh (as root)", file=sys.stderr)
    sys.exit(3)


def nearest_two(case):
    labels = np.asarray(case["labels"], dtype=np.int64).reshape(case["shape"])
    spacing = np.asarray(case["spacing"], dtype=np.float64)
    instances = [k for k in np.unique(labels) if k > 0]

    # One row per instance (at least two, so that "second" exists), then sorted per voxel.
    distances = np.full((max(len(instances), 2),) + labels.shape, np.inf)
    for row, k in enumerate(instances):
        distances[row] = ndimage.distance_transform_edt(labels != k, sampling=spacing / spacing.min())
        distances[row][labels == k] = np.inf  # a voxel does not measure its own instance
    distances.sort(axis=0)
    return {"first": listed(distances[0]), "second": listed(distances[1])}


def listed(distances):
    return [None if np.isinf(d) else float(d) for d in distances.ravel()]


COMMANDS = {"nearest-two": nearest_two}

if __name__ == "__main__":
    command, cases_file = sys.argv[1], sys.argv[2]
    with open(cases_file) as stream:
        cases = json.load(stream)
    json.dump({case["name"]: COMMANDS[command](case) for case in cases}, sys.stdout)
