"""The paper's U-Net (Ronneberger et al. 2015) in PyTorch, layer for layer UNetDsl's PaperUNet; prints the median
inference time of a 572x572 tile. Used by compare.sh."""
import argparse
import statistics
import time

import torch
from torch import nn


class Float32UpConvolution(nn.Module):
    """A transposed convolution kept in float32 inside a bfloat16 network: Debian's PyTorch 1.13 rejects bfloat16
    ConvTranspose2d on the CPU ("expected input ... to have 512 channels"), so its bfloat16 rows cast around it."""

    def __init__(self, up):
        super().__init__()
        self.up = up

    def forward(self, x):
        return self.up(x.float()).to(x.dtype)


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3), nn.ReLU(inplace=True))


class PaperUNet(nn.Module):
    def __init__(self, channels=(64, 128, 256, 512, 1024), classes=2):
        super().__init__()
        self.encoders = nn.ModuleList()
        cin = 1
        for c in channels[:-1]:
            self.encoders.append(block(cin, c))
            cin = c
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = block(cin, channels[-1])
        self.dropout = nn.Dropout(0.5)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        below = channels[-1]
        for c in reversed(channels[:-1]):
            self.ups.append(nn.ConvTranspose2d(below, c, 2, stride=2))
            self.decoders.append(block(2 * c, c))
            below = c
        self.head = nn.Conv2d(channels[0], classes, 1)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.dropout(self.bottleneck(x))
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = up(x)
            dy = (skip.shape[2] - x.shape[2]) // 2
            dx = (skip.shape[3] - x.shape[3]) // 2
            skip = skip[:, :, dy:dy + x.shape[2], dx:dx + x.shape[3]]
            x = decoder(torch.cat([skip, x], 1))
        return self.head(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--channels-last", action="store_true", help="weights and input in channels-last memory format")
    parser.add_argument("--bf16", action="store_true", help="weights and input in bfloat16 (fast only with native bf16: avx512_bf16 or AMX)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = PaperUNet().eval()
    assert sum(p.numel() for p in model.parameters()) == 31_030_658
    x = torch.randn(1, 1, 572, 572)
    if args.bf16:
        model = model.to(torch.bfloat16)
        model.ups = nn.ModuleList(Float32UpConvolution(up.float()) for up in model.ups)
        x = x.to(torch.bfloat16)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    times = []
    with torch.inference_mode():
        for i in range(args.runs + 1):
            start = time.perf_counter()
            y = model(x)
            if i > 0:
                times.append(time.perf_counter() - start)
    assert tuple(y.shape) == (1, 2, 388, 388)
    print(f"{statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
