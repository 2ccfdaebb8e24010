"""Trains a UNetDsl network's PyTorch twin with DistributedDataParallel, on CPUs (gloo) or GPUs (nccl).

The twin and its starting weights come from `unet export` (or UNetDsl.Interop.PyTorchTwin.Write); the trained
weights are written in TorchSharp's format, ready for `unet import` or `Module.load`:

    unet export --arch small --out twin
    torchrun --standalone --nproc_per_node=4 samples/ScalingOut/train_ddp.py \
        --twin twin --weights twin/SmallUNet.bin --data ../shared/data/isbi2012-em --steps 2000 --out trained.bin

Each process draws its own random tiles (seeded by its rank), so no sampler is needed; gradients are averaged
across processes by DDP. Labels: a pixel above 0 is foreground (class 1), as `unet train --data` reads them.
"""
import argparse
import importlib
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twin", required=True, help="folder with <Name>.py and unetdsl_torch.py (from unet export)")
    parser.add_argument("--weights", required=True, help="TorchSharp-format weights to start from (<Name>.bin)")
    parser.add_argument("--network", help="class name of the twin; default: the .py file next to unetdsl_torch.py")
    parser.add_argument("--data", help="folder with images/ and labels/; without it, synthetic discs are used")
    parser.add_argument("--tile", type=int, default=0, help="input tile size; default: the smallest valid size >= 188")
    parser.add_argument("--batch", type=int, default=2, help="tiles per process and step")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", required=True, help="where rank 0 writes the trained weights (TorchSharp format)")
    return parser.parse_args(argv)


def load_twin(folder, network):
    sys.path.insert(0, os.path.abspath(folder))
    unetdsl_torch = importlib.import_module("unetdsl_torch")
    if network is None:
        candidates = [f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f != "unetdsl_torch.py"]
        if len(candidates) != 1:
            raise SystemExit("train_ddp: give --network; %s holds %s" % (folder, candidates or "no twin"))
        network = candidates[0]
    module = importlib.import_module(network)
    return unetdsl_torch, getattr(module, network)


def output_size(model, channels, tile):
    """The output tile for an input tile, or None when the tile does not line up through the network."""
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, channels, tile, tile))
        return out.shape[-1]
    except RuntimeError:
        return None


def read_folder(folder):
    from PIL import Image
    import numpy as np

    images, labels = [], []
    for name in sorted(os.listdir(os.path.join(folder, "images"))):
        image = np.asarray(Image.open(os.path.join(folder, "images", name)).convert("F"), dtype="float32")
        label = np.asarray(Image.open(os.path.join(folder, "labels", name)).convert("L"))
        images.append(torch.from_numpy(image / max(float(image.max()), 1.0)))
        labels.append(torch.from_numpy((label > 0).astype("int64")))
    return images, labels


def synthetic_discs(count, size, generator):
    images, labels = [], []
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    for _ in range(count):
        label = torch.zeros(size, size, dtype=torch.int64)
        for _ in range(12):
            cy, cx = torch.randint(0, size, (2,), generator=generator).tolist()
            radius = int(torch.randint(8, 20, (1,), generator=generator))
            label[(ys - cy) ** 2 + (xs - cx) ** 2 <= radius ** 2] = 1
        image = label.float() * 0.6 + 0.2 + 0.1 * torch.randn(size, size, generator=generator)
        images.append(image)
        labels.append(label)
    return images, labels


def random_tiles(images, labels, tile, out, batch, generator):
    """Input tiles with their label windows; borders mirror-extended as in overlap-tile training."""
    margin = (tile - out) // 2
    inputs, targets = [], []
    for _ in range(batch):
        index = int(torch.randint(0, len(images), (1,), generator=generator))
        image, label = images[index], labels[index]
        height, width = label.shape
        padded = F.pad(image[None, None], (margin, margin + out, margin, margin + out), mode="reflect")[0, 0]
        y = int(torch.randint(0, max(1, height - out + 1), (1,), generator=generator))
        x = int(torch.randint(0, max(1, width - out + 1), (1,), generator=generator))
        inputs.append(padded[y:y + tile, x:x + tile])
        target = torch.zeros(out, out, dtype=torch.int64)
        window = label[y:y + out, x:x + out]
        target[: window.shape[0], : window.shape[1]] = window
        targets.append(target)
    return torch.stack(inputs)[:, None], torch.stack(targets)


def main(argv=None):
    arguments = parse_arguments(argv)
    distributed = "RANK" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if cuda else torch.device("cpu")

    unetdsl_torch, network_class = load_twin(arguments.twin, arguments.network)
    model = network_class()
    model.load_state_dict(unetdsl_torch.load_torchsharp(arguments.weights), strict=True)
    channels = next(p for p in model.parameters() if p.dim() > 1).shape[1]

    tile = arguments.tile or 188
    out = output_size(model, channels, tile)
    while out is None:
        tile += 1
        out = output_size(model, channels, tile)

    generator = torch.Generator().manual_seed(1234 + rank)
    if arguments.data:
        images, labels = read_folder(arguments.data)
    else:
        images, labels = synthetic_discs(4, 256, generator)

    model = model.to(device).train()
    wrapped = DistributedDataParallel(model, device_ids=[device.index] if cuda else None) if distributed else model
    optimizer = torch.optim.Adam(wrapped.parameters(), lr=arguments.lr)
    start = time.time()
    for step in range(1, arguments.steps + 1):
        inputs, targets = random_tiles(images, labels, tile, out, arguments.batch, generator)
        loss = F.cross_entropy(wrapped(inputs.to(device)), targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if rank == 0 and (step == 1 or step % 10 == 0 or step == arguments.steps):
            print("step %d/%d  loss %.4f  %.1f s  (%d processes, tile %d -> %d)" % (step, arguments.steps, loss.item(), time.time() - start, world, tile, out), flush=True)

    if rank == 0:
        # Written beside the target and renamed over it, so an interrupted run never leaves half a file.
        partial = arguments.out + ".partial"
        unetdsl_torch.save_torchsharp({k: v.detach().cpu() for k, v in model.state_dict().items()}, partial)
        os.replace(partial, arguments.out)
        print("wrote %s" % arguments.out, flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
