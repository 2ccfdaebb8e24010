"""Independent reference for the volume I/O tests: nibabel and tifffile write the files the C# readers read, and read
the files the C# writers write.

    python3 volume_reference.py COMMAND CASES.json

CASES.json is a list of cases, each with a "name" and a "path"; the script prints one JSON object keyed by case name.
Values are listed in (z, y, x) order, x fastest, as float64 (exact for every type read here).

Commands:
  nifti-write  write each case with nibabel (dtype, endian "<" or ">", nibabel shape (x, y, z[, t]), zooms, optional
               slope/inter patched into the header, autoscale to let nibabel choose slope/inter, small_integers for 0..3
               labels with an optional 2.5 at voxel fractional (x, y, z)), then report what nibabel reads back
  nifti-read   report what nibabel reads from each file
  tiff-write   write a stack with tifffile (bits 8 or 16, shape (z, y, x), optional compression, imagej), report it
  tiff-read    report what tifffile reads from each file
"""
import gzip
import json
import sys

try:
    import nibabel as nib
    import numpy as np
    import tifffile
except ImportError as error:
    print(f"volume_reference.py: {error}; run eng/setup-python-torch.sh (as root)", file=sys.stderr)
    sys.exit(3)

RGB24 = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])


def sample(dtype, shape, seed):
    """Values spread over the type's range, with its extremes at the first and last voxel."""
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape))
    if dtype == "rgb24":
        values = np.zeros(count, RGB24)
    elif np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=count, endpoint=True, dtype=dtype)
        values[0], values[-1] = info.min, info.max
    elif np.dtype(dtype).kind == "c":
        values = (rng.standard_normal(count) + 1j * rng.standard_normal(count)).astype(dtype)
    else:
        values = (rng.standard_normal(count) * 1000).astype(dtype)
        values[0], values[-1] = 0.1, -1e-30
    return values.reshape(shape, order="F")


def nifti_values(image):
    return [float(v) for v in image.get_fdata().ravel(order="F")]


def volume_shape(shape):
    """nibabel's (x, y[, z[, t]]) as (depth, height, width)."""
    return [shape[2] if len(shape) > 2 else 1, shape[1], shape[0]]


def patch_header(path, slope, inter):
    """Sets scl_slope/scl_inter in a written file: nibabel chooses its own when it saves an array."""
    header = nib.load(path).header.copy()
    header.set_slope_inter(slope, inter)
    header["vox_offset"] = 352
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as stream:
        data = bytearray(stream.read())
    data[:348] = header.binaryblock
    with opener(path, "wb") as stream:
        stream.write(bytes(data))


def nifti_write(case):
    shape, dtype = case["shape"], case["dtype"]
    if case.get("small_integers"):
        data = (np.arange(int(np.prod(shape))) % 4).astype(dtype).reshape(shape, order="F")
        if "fractional" in case:
            data[tuple(case["fractional"])] = 2.5  # at voxel (x, y, z)
    elif case.get("autoscale"):
        data = sample("float64", shape, case["seed"])
    else:
        data = sample(dtype, shape, case["seed"])
    header = nib.Nifti1Header(endianness=case["endian"])
    affine = np.diag(list(case["zooms"][:3]) + [1.0] * (4 - len(case["zooms"][:3])))
    image = nib.Nifti1Image(data, affine, header=header)
    image.set_data_dtype(RGB24 if dtype == "rgb24" else dtype)
    image.header.set_zooms(case["zooms"])
    nib.save(image, case["path"])
    if "slope" in case:
        patch_header(case["path"], case["slope"], case["inter"])
    with open(case["path"], "rb") as stream:
        head = stream.read(4)
    if case["path"].endswith(".gz"):
        with gzip.open(case["path"], "rb") as stream:
            head = stream.read(4)
    report = nifti_report(case["path"])
    report["written_big_endian"] = head == (348).to_bytes(4, "big")
    return report


def nifti_report(path):
    image = nib.load(path)
    header = image.header
    report = {
        "code": int(header["datatype"]),
        "dtype": header.get_data_dtype().name,
        "endian": header.endianness,
        "shape": volume_shape(image.shape),
        "zooms": [float(z) for z in header.get_zooms()],
        "slope": float(image.dataobj.slope),
        "inter": float(image.dataobj.inter),
        "offset": int(image.dataobj.offset),
        "qform_code": int(header["qform_code"]),
        "sform_code": int(header["sform_code"]),
        "affine": [float(v) for v in image.affine.ravel()],
    }
    zooms = report["zooms"]
    report["spacing"] = [zooms[2] if len(zooms) > 2 else 1.0, zooms[1], zooms[0]]
    if header.get_data_dtype().kind in "iuf":
        report["values"] = nifti_values(image)
    return report


def tiff_write(case):
    dtype = np.uint8 if case["bits"] == 8 else np.uint16
    rng = np.random.default_rng(case["seed"])
    data = rng.integers(0, np.iinfo(dtype).max, size=case["shape"], endpoint=True).astype(dtype)
    data.flat[0], data.flat[-1] = 0, np.iinfo(dtype).max
    if case.get("imagej"):
        tifffile.imwrite(case["path"], data, imagej=True)
    else:
        tifffile.imwrite(case["path"], data, photometric="minisblack", compression=case.get("compression"))
    return tiff_report(case["path"])


def tiff_report(path):
    with tifffile.TiffFile(path) as tiff:
        pages = [page.asarray() for page in tiff.pages]
        return {
            "pages": len(pages),
            "shape": [len(pages), *pages[0].shape],
            "bits": [int(page.bitspersample) for page in tiff.pages],
            "values": [float(v) for page in pages for v in page.ravel()],
        }


COMMANDS = {
    "nifti-write": nifti_write,
    "nifti-read": lambda case: nifti_report(case["path"]),
    "tiff-write": tiff_write,
    "tiff-read": lambda case: tiff_report(case["path"]),
}

if __name__ == "__main__":
    command, cases_file = sys.argv[1], sys.argv[2]
    with open(cases_file) as stream:
        cases = json.load(stream)
    json.dump({case["name"]: COMMANDS[command](case) for case in cases}, sys.stdout)
