"""Reference values for UNetDsl's segmentation metrics, computed with numpy, scipy and scikit-image.

Usage: python3 metrics_reference.py FOLDER

FOLDER holds cases.txt, one case a line: "<name> <kind> <width> <height> <classes> <ignore>", and for each case
<name>.truth.npy and <name>.pred.npy (int32, shape (height, width)).

- kind "classes": class images (0 = background, 1..classes-1 foreground classes); ignore is a label value that means
  "unlabelled" or "-" for none. Scored as UNetDsl's EvaluationAccumulator documents it.
- kind "segments": label images of segments (0 = background, positive values the segments); classes and ignore are
  unused. Scored with the two Rand definitions directly.

Writes to stdout one value a line, "<case> <key> <value>" (value "NaN" where undefined), and for all the class cases
with C classes together "all<C> <key> <value>". Nothing here calls UNetDsl: the definitions are written from the papers and documentation.
"""

import sys
import warnings

import numpy as np
import scipy
import skimage
from skimage.measure import label
from skimage.metrics import adapted_rand_error


def foreground_rand(predicted, true):
    """V_Rand split and merge of Arganda-Carreras et al. 2015 (Front. Neuroanat. 9:142), equations 5-7, restricted
    to the true foreground as in the ISBI 2012 challenge: only pixels whose true label is not 0 count, and a pixel the
    prediction labels 0 is a segment of its own. p_ij = probability that a pixel is in predicted segment i and true
    segment j; s_i, t_j the marginals. Split = sum p_ij^2 / sum t_j^2, merge = sum p_ij^2 / sum s_i^2. When the
    truth has no foreground there is nothing to get wrong: (1, 1)."""
    t = true.ravel().astype(np.int64)
    p = predicted.ravel().astype(np.int64)
    inside = t != 0
    t, p = t[inside], p[inside]
    n = t.size
    if n == 0:
        return 1.0, 1.0
    p = p.copy()
    background = p == 0
    p[background] = p.max() + 1 + np.arange(np.count_nonzero(background))  # singletons
    _, joint = np.unique(np.stack([p, t]), axis=1, return_counts=True)
    _, s = np.unique(p, return_counts=True)
    _, tt = np.unique(t, return_counts=True)
    p_ij = joint / n
    s_i = s / n
    t_j = tt / n
    sum_p_ij2 = np.sum(p_ij ** 2)
    return sum_p_ij2 / np.sum(t_j ** 2), sum_p_ij2 / np.sum(s_i ** 2)


def f_score(split, merge):
    return 0.0 if split + merge == 0 else 2 * split * merge / (split + merge)


def skimage_are(true, predicted):
    """scikit-image's adapted Rand error, ignore_labels=(0,): NaN where it divides 0 by 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(adapted_rand_error(true, predicted)[0])


def class_scores(predicted, truth, classes, ignore):
    """Per-class Dice and IoU over the labelled pixels (those whose true label is not ignore); NaN for a class absent
    from the truth, which then does not score (MONAI's DiceMetric with its default ignore_empty=True)."""
    labelled = np.ones(truth.shape, dtype=bool) if ignore is None else truth != ignore
    dice, iou = [], []
    for c in range(classes):
        p = (predicted == c) & labelled
        t = (truth == c) & labelled
        both = np.count_nonzero(p & t)
        either = np.count_nonzero(p | t)
        sizes = np.count_nonzero(p) + np.count_nonzero(t)
        present = np.count_nonzero(t) > 0
        dice.append(2.0 * both / sizes if present else np.nan)
        iou.append(both / either if present else np.nan)
    pixel_error = np.count_nonzero((predicted != truth) & labelled) / np.count_nonzero(labelled)
    return dice, iou, pixel_error


def write(case, key, value):
    value = float(value)
    print(case, key, "NaN" if np.isnan(value) else repr(value))


def main(folder):
    print("versions", "numpy", np.__version__, "scipy", scipy.__version__, "skimage", skimage.__version__,
          file=sys.stderr)
    per_image = {}  # classes -> the scores of every class case with that many classes
    with open(f"{folder}/cases.txt") as cases:
        for line in cases:
            name, kind, width, height, classes, ignore = line.split()
            truth = np.load(f"{folder}/{name}.truth.npy")
            predicted = np.load(f"{folder}/{name}.pred.npy")
            assert truth.shape == predicted.shape == (int(height), int(width)), name
            if kind == "segments":
                split, merge = foreground_rand(predicted, truth)
                write(name, "rand_split", split)
                write(name, "rand_merge", merge)
                write(name, "adapted_rand_error", skimage_are(truth, predicted))
                continue

            classes = int(classes)
            ignore = None if ignore == "-" else int(ignore)
            dice, iou, pixel_error = class_scores(predicted, truth, classes, ignore)

            # Segments: 4-connected components of the predicted and the true foreground (class > 0, not ignored).
            true_foreground = truth > 0 if ignore is None else (truth > 0) & (truth != ignore)
            true_segments = label(true_foreground, connectivity=1)
            predicted_segments = label(predicted > 0, connectivity=1)
            rand_error = 1 - f_score(*foreground_rand(predicted_segments, true_segments))
            are = skimage_are(true_segments, predicted_segments)

            for c in range(classes):
                write(name, f"dice.{c}", dice[c])
                write(name, f"iou.{c}", iou[c])
            write(name, "pixel_error", pixel_error)
            write(name, "rand_error", rand_error)
            write(name, "adapted_rand_error", are)
            per_image.setdefault(classes, []).append((dice, iou, pixel_error, rand_error, are))

    for classes, scores in per_image.items():
        summarise(f"all{classes}", classes, scores)


def summarise(name, classes, per_image):
    """The scores of several images together: per-class means over the images that scored the class, the other
    figures means over all images."""
    dice = np.array([d for d, _, _, _, _ in per_image])
    iou = np.array([i for _, i, _, _, _ in per_image])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of a class no image scored: NaN
        mean_dice = np.nanmean(dice, axis=0)
        mean_iou = np.nanmean(iou, axis=0)
        write(name, "mean_foreground_dice", np.nanmean(mean_dice[1:]))
        write(name, "mean_foreground_iou", np.nanmean(mean_iou[1:]))
    for c in range(classes):
        write(name, f"dice.{c}", mean_dice[c])
        write(name, f"iou.{c}", mean_iou[c])
        write(name, f"images.{c}", np.count_nonzero(~np.isnan(dice[:, c])))
    write(name, "images", len(per_image))
    write(name, "pixel_error", np.mean([e for _, _, e, _, _ in per_image]))
    write(name, "rand_error", np.mean([r for _, _, _, r, _ in per_image]))
    write(name, "adapted_rand_error", np.mean([a for _, _, _, _, a in per_image]))


if __name__ == "__main__":
    main(sys.argv[1])
