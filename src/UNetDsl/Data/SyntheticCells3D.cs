using System;
using System.Collections.Generic;

namespace UNetDsl.Data;

/// <summary>
/// The 3D counterpart of <see cref="SyntheticCells"/>: a volume of tightly packed cells separated by thin dark
/// membranes, made on the spot so that a 3D demo trains without downloads. Cells are the Voronoi regions of random
/// seeds placed in physical space, so a cell is round in physical units and spans fewer slices than pixels when the
/// slices are thick; neighbours touch along shared membranes, some regions are left empty as extracellular space,
/// interiors carry smooth texture, and the whole is blurred (in physical units) and noised. Deterministic per seed.
/// </summary>
/// <remarks>
/// Sizes are in units of the finest spacing, so only the spacing's ratios matter: a cell is about
/// <see cref="CellSize"/> of the finest voxels across whatever the units. Membranes are thin in physical space but
/// never so thin that a step to a 6-neighbour could cross one: touching cells always have membrane voxels between
/// them, and the instance labels are the 6-connected pieces of every cell.
/// </remarks>
public static class SyntheticCells3D
{
    /// <summary>
    /// (depth, height, width) of the demo volume: 24 thick slices of 96 x 96 pixels, about 5 cells deep and 6 across
    /// (some 200 cells), small enough (221,184 voxels) for a CPU to train a small 3D U-Net on a few of them in minutes.
    /// 24 and 96 divide by the poolings of a four-level anisotropic U-Net (in-plane only at the finest level, then
    /// along every axis: 24 / 4 = 6 slices, 96 / 8 = 12 pixels at the coarsest level).
    /// </summary>
    /// <remarks>A new array on every read.</remarks>
    public static int[] DefaultShape => [24, 96, 96];

    /// <summary>
    /// (z, y, x) spacing of the demo volume: slices three times thicker than pixels are wide, so a cell spans about
    /// 6 slices but 18 pixels (the extents of its bounding box), and a 32-pixel tile holds several cells in-plane.
    /// After one in-plane pooling the voxels are (3, 2, 2), within twice the finest spacing, so the next levels pool
    /// along every axis: nnU-Net's rule for thick slices gives exactly one in-plane level here.
    /// </summary>
    /// <remarks>A new array on every read.</remarks>
    public static double[] DefaultSpacing => [3, 1, 1];

    /// <summary>
    /// The edge of the cube whose volume a cell has on average, in finest voxels; a cell's bounding box is about 1.2
    /// times this along every axis in physical space (so 18 pixels, and 6 slices three times as thick).
    /// </summary>
    public const double CellSize = 15;

    /// <summary>
    /// How many times coarser the spacing may be along one axis than along another: a cell then still spans
    /// <see cref="CellSize"/> / 5 = 3 voxels along its coarsest axis. Beyond that, cells one or two voxels thick are
    /// mostly membrane (at 10 times, three quarters of the volume is background).
    /// </summary>
    public const double MaxAnisotropy = 5;

    // Seeds come no closer than this fraction of a cell: cells of similar sizes, as in tissue, rather than the slivers
    // and giants of uniformly random seeds.
    private const double SeedSpacing = 0.6;

    // A cell left empty is extracellular space, the background gaps between cells.
    private const double EmptyFraction = 0.08;

    // Width of the Gaussian blur, in finest voxels (the 2D generator's 3x3 box blur has about this width in pixels).
    private const double BlurSigma = 0.8;

    private const double NoiseSigma = 0.06;
    private const double MembraneIntensity = 0.12;

    // The layout value of a membrane voxel.
    private const int Membrane = -1;

    /// <summary>Makes one volume with its classes and instance labels.</summary>
    /// <param name="seed">Determines everything.</param>
    /// <param name="depth">Slices (z), at least 1.</param>
    /// <param name="height">Rows per slice (y), at least 1.</param>
    /// <param name="width">Columns per row (x), at least 1.</param>
    /// <param name="spacing">
    /// Distance between voxel centres along (z, y, x): three positive finite values, the largest at most
    /// <see cref="MaxAnisotropy"/> times the smallest.
    /// <see cref="DefaultSpacing"/> for the demo.
    /// </param>
    /// <param name="classes">
    /// 2: cells (1) against membranes and extracellular space (0). 3: cells of two kinds, bright and smooth (1) or dark
    /// and striped (2), against membranes and extracellular space (0); the cells' layout is the same as with 2.
    /// </param>
    /// <returns>
    /// The image (values in [0, 1]), its classes and its instances (every cell 1..K, touching cells different ids, each
    /// one 6-connected piece), both volumes carrying <paramref name="spacing"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 or too many voxels for one array, a spacing that is
    /// not positive and finite or too anisotropic, or classes other than 2 or 3.</exception>
    /// <exception cref="ArgumentException">The spacing does not hold three values.</exception>
    /// <exception cref="ArgumentNullException">The spacing is null.</exception>
    public static VolumeSample Generate(int seed, int depth, int height, int width, double[] spacing, int classes = 2)
    {
        CheckArguments(depth, height, width, spacing, classes);
        var random = new Random(seed);
        var grid = new VoxelGrid(depth, height, width, (double[])spacing.Clone());
        var cells = Cells.Place(random, grid);
        var layout = Layout(grid, cells, membraneHalfWidth: grid.Finest * (0.6 + (0.4 * random.NextDouble())));

        // The kind of each cell comes from a generator of its own, so that the layout does not depend on the classes.
        var kinds = new Random(unchecked(seed * 7919) ^ 0x5eed);
        var kind = new int[cells.Count];
        var brightness = new double[cells.Count];
        for (var c = 0; c < cells.Count; c++)
        {
            brightness[c] = 0.55 + (0.3 * random.NextDouble());
            kind[c] = classes == 3 && kinds.Next(2) == 1 ? 2 : 1;
            if (classes == 3)
            {
                // Two kinds a person tells apart at a glance: bright and smooth, or dark and striped.
                brightness[c] = kind[c] == 2 ? 0.40 + (0.06 * kinds.NextDouble()) : 0.66 + (0.18 * kinds.NextDouble());
            }
        }

        var voxels = Paint(grid, cells, layout, kind, brightness, classes);
        voxels = Blur(voxels, grid);
        for (var i = 0; i < voxels.Length; i++)
        {
            voxels[i] = (float)Math.Clamp(voxels[i] + (NoiseSigma * Gaussian(random)), 0, 1);
        }

        var instances = ConnectedPieces(layout, cells, grid);
        var classLabels = new int[instances.Length];
        for (var i = 0; i < classLabels.Length; i++)
        {
            classLabels[i] = instances[i] == 0 ? 0 : kind[layout[i]];
        }

        return new VolumeSample(
            "synthetic3d-" + seed,
            new GrayVolume(voxels, depth, height, width, (double[])spacing.Clone()),
            new LabelVolume(classLabels, depth, height, width, (double[])spacing.Clone()),
            instances);
    }

    private static void CheckArguments(int depth, int height, int width, double[] spacing, int classes)
    {
        if (classes is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Synthetic cells come with 2 classes (cells, background) or 3 (two kinds of cells, background).");
        }

        CheckSize(depth, nameof(depth), "slice");
        CheckSize(height, nameof(height), "row");
        CheckSize(width, nameof(width), "column");
        if ((long)depth * height * width > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), $"{VolumeShape.Describe(depth, height, width)} is {(long)depth * height * width:N0} voxels; depth x height x width must fit one array ({Array.MaxLength:N0}).");
        }

        ArgumentNullException.ThrowIfNull(spacing);
        if (spacing.Length != 3)
        {
            throw new ArgumentException($"The spacing has 3 values, one per axis in (depth, height, width) order; {spacing.Length} were given.", nameof(spacing));
        }

        if (Array.Exists(spacing, s => !double.IsFinite(s) || s <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), $"The spacing must be positive and finite along every axis; ({string.Join(", ", spacing)}) was given.");
        }

        var finest = Math.Min(spacing[0], Math.Min(spacing[1], spacing[2]));
        var coarsest = Math.Max(spacing[0], Math.Max(spacing[1], spacing[2]));
        if (coarsest > MaxAnisotropy * finest)
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), $"The spacing ({string.Join(", ", spacing)}) is {coarsest / finest:0.##} times coarser along one axis than along another; at most {MaxAnisotropy} keeps synthetic cells ({CellSize} of the finest voxels across) at least {CellSize / MaxAnisotropy} voxels thick along every axis.");
        }
    }

    private static void CheckSize(int size, string name, string unit)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(name, size, $"A synthetic volume needs at least one {unit}.");
        }
    }

    /// <summary>
    /// The cell of every voxel, or <see cref="Membrane"/>: a voxel is membrane when the bisecting plane between its
    /// nearest seed and another passes within the membrane's half-width of its centre, or within half the longest of
    /// the steps to its six neighbours, measured along the plane's normal.
    /// </summary>
    /// <remarks>
    /// The second condition keeps membranes visible however thick the slices (one slice where a membrane lies flat in
    /// the slice plane) and guarantees that two 6-adjacent voxels of different cells A and B are never both cell: their
    /// centres lie on either side of the plane between A and B, at distances that add up to the step between them
    /// projected on the normal, so one of the two is within half of that and is membrane. It is the thinnest band that
    /// does so (a naive digital plane), so oblique membranes stay thin.
    /// </remarks>
    private static int[] Layout(VoxelGrid grid, Cells cells, double membraneHalfWidth)
    {
        var (sz, sy, sx) = (grid.Spacing[0], grid.Spacing[1], grid.Spacing[2]);

        // The largest distance from a plane at which a voxel can still be membrane.
        var reach = Math.Max(membraneHalfWidth, 0.5 * Math.Max(sz, Math.Max(sy, sx)));
        var layout = new int[grid.Voxels];
        var distances = new List<double>();
        foreach (var block in grid.Blocks())
        {
            // Every seed that can be a voxel's nearest, or lie within reach of its plane, is near the block's centre.
            var candidates = cells.Near(block.Centre, block.HalfDiagonal, reach);
            for (var z = block.Z0; z < block.Z1; z++)
            {
                for (var y = block.Y0; y < block.Y1; y++)
                {
                    for (var x = block.X0; x < block.X1; x++)
                    {
                        var p = grid.Centre(z, y, x);
                        distances.Clear();
                        var (nearest, best) = (-1, double.MaxValue);
                        for (var k = 0; k < candidates.Count; k++)
                        {
                            var d = cells.DistanceSquared(candidates[k], p);
                            distances.Add(d);
                            if (d < best)
                            {
                                (nearest, best) = (k, d);
                            }
                        }

                        var a = cells[candidates[nearest]];
                        var onMembrane = false;
                        var farthest = Math.Sqrt(best) + (2 * reach);
                        for (var k = 0; k < candidates.Count && !onMembrane; k++)
                        {
                            // A seed farther than this has its plane beyond reach: |p-X|^2 - |p-A|^2 <= 2 reach |X-A| <= 2 reach (|p-X| + |p-A|).
                            if (k == nearest || distances[k] > farthest * farthest)
                            {
                                continue;
                            }

                            var b = cells[candidates[k]];
                            var (nz, ny, nx) = (b.Z - a.Z, b.Y - a.Y, b.X - a.X);
                            var separation = Math.Sqrt((nz * nz) + (ny * ny) + (nx * nx));
                            var toPlane = (distances[k] - best) / (2 * separation);
                            var halfStep = 0.5 * Math.Max(Math.Abs(nz) * sz, Math.Max(Math.Abs(ny) * sy, Math.Abs(nx) * sx)) / separation;
                            onMembrane = toPlane <= Math.Max(membraneHalfWidth, halfStep);
                        }

                        layout[grid.Index(z, y, x)] = onMembrane ? Membrane : candidates[nearest];
                    }
                }
            }
        }

        return layout;
    }

    private static float[] Paint(VoxelGrid grid, Cells cells, int[] layout, int[] kind, double[] brightness, int classes)
    {
        // Extracellular space sits between membrane and cells; darker with 3 classes, so the dark kind stays apart from it.
        var extracellular = classes == 3 ? 0.22 : 0.35;
        var voxels = new float[grid.Voxels];
        for (var z = 0; z < grid.Depth; z++)
        {
            for (var y = 0; y < grid.Height; y++)
            {
                for (var x = 0; x < grid.Width; x++)
                {
                    var i = grid.Index(z, y, x);
                    var c = layout[i];
                    if (c == Membrane)
                    {
                        voxels[i] = (float)MembraneIntensity;
                        continue;
                    }

                    if (cells.Empty(c))
                    {
                        voxels[i] = (float)extracellular;
                        continue;
                    }

                    // Texture in physical units (in finest voxels), so that it is as fine along z as in-plane.
                    var (pz, py, px) = grid.Centre(z, y, x);
                    var (u, v, w) = (pz / grid.Finest, py / grid.Finest, px / grid.Finest);
                    var texture = kind[c] == 2
                        ? 0.07 * Math.Sin(((v + w) * 0.9) + c)
                        : 0.05 * Math.Sin((w * 0.31) + (c * 1.7)) * Math.Cos((v * 0.27) - c) * Math.Cos((u * 0.23) + (c * 0.6));
                    voxels[i] = (float)(brightness[c] + texture);
                }
            }
        }

        return voxels;
    }

    /// <summary>A separable Gaussian of <see cref="BlurSigma"/> finest voxels: narrower, in voxels, along thick axes.</summary>
    private static float[] Blur(float[] voxels, VoxelGrid grid)
    {
        var strides = new[] { grid.Height * grid.Width, grid.Width, 1 };
        var sizes = new[] { grid.Depth, grid.Height, grid.Width };
        for (var axis = 0; axis < 3; axis++)
        {
            var sigma = BlurSigma * grid.Finest / grid.Spacing[axis];
            var radius = (int)Math.Ceiling(3 * sigma);
            if (radius == 0 || sizes[axis] == 1)
            {
                continue;
            }

            var kernel = new double[(2 * radius) + 1];
            for (var k = -radius; k <= radius; k++)
            {
                kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
            }

            var (stride, size) = (strides[axis], sizes[axis]);
            var result = new float[voxels.Length];
            for (var i = 0; i < voxels.Length; i++)
            {
                // Near the edge the kernel is cut and renormalised, so the edge keeps its brightness.
                var position = i / stride % size;
                double sum = 0, weight = 0;
                for (var k = Math.Max(-radius, -position); k <= Math.Min(radius, size - 1 - position); k++)
                {
                    sum += kernel[k + radius] * voxels[i + (k * stride)];
                    weight += kernel[k + radius];
                }

                result[i] = (float)(sum / weight);
            }

            voxels = result;
        }

        return voxels;
    }

    /// <summary>
    /// Instance labels: the 6-connected pieces of every non-empty cell, numbered 1..K in raster order of their first
    /// voxel. A cell is convex, but the voxel grid can cut a thin one in two; its pieces then get ids of their own, so
    /// that every instance is one connected object as the weight map assumes.
    /// </summary>
    private static int[] ConnectedPieces(int[] layout, Cells cells, VoxelGrid grid)
    {
        var instances = new int[layout.Length];
        var stack = new Stack<int>();
        var next = 0;
        for (var start = 0; start < layout.Length; start++)
        {
            var cell = layout[start];
            if (cell == Membrane || instances[start] != 0 || cells.Empty(cell))
            {
                continue;
            }

            instances[start] = ++next;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                var (z, y, x) = grid.Position(i);
                Join(z > 0, i - grid.SliceStride);
                Join(z < grid.Depth - 1, i + grid.SliceStride);
                Join(y > 0, i - grid.Width);
                Join(y < grid.Height - 1, i + grid.Width);
                Join(x > 0, i - 1);
                Join(x < grid.Width - 1, i + 1);
            }

            void Join(bool inside, int j)
            {
                if (inside && instances[j] == 0 && layout[j] == cell)
                {
                    instances[j] = next;
                    stack.Push(j);
                }
            }
        }

        return instances;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The voxels' positions in physical space: voxel (z, y, x) has its centre at ((z + 1/2) sz, (y + 1/2) sy, (x + 1/2) sx).</summary>
    private sealed class VoxelGrid(int depth, int height, int width, double[] spacing)
    {
        public int Depth { get; } = depth;
        public int Height { get; } = height;
        public int Width { get; } = width;
        public double[] Spacing { get; } = spacing;

        /// <summary>The smallest spacing: the unit of every size in the generator.</summary>
        public double Finest { get; } = Math.Min(spacing[0], Math.Min(spacing[1], spacing[2]));

        public int SliceStride => Height * Width;
        public int Voxels => Depth * Height * Width;

        /// <summary>The physical size of the volume along (z, y, x).</summary>
        public (double Z, double Y, double X) Extent => (Depth * Spacing[0], Height * Spacing[1], Width * Spacing[2]);

        public int Index(int z, int y, int x) => (((z * Height) + y) * Width) + x;

        public (int Z, int Y, int X) Position(int index) => (index / SliceStride, index / Width % Height, index % Width);

        public (double Z, double Y, double X) Centre(int z, int y, int x) =>
            ((z + 0.5) * Spacing[0], (y + 0.5) * Spacing[1], (x + 0.5) * Spacing[2]);

        /// <summary>
        /// The volume cut into blocks about a quarter of a cell across in physical space (so fewer voxels along thick
        /// axes): the voxels of a block share one list of seeds near them.
        /// </summary>
        public IEnumerable<Block> Blocks()
        {
            var edge = CellSize * Finest / 4;
            var (bz, by, bx) = (Steps(edge, Spacing[0]), Steps(edge, Spacing[1]), Steps(edge, Spacing[2]));
            for (var z = 0; z < Depth; z += bz)
            {
                for (var y = 0; y < Height; y += by)
                {
                    for (var x = 0; x < Width; x += bx)
                    {
                        var (z1, y1, x1) = (Math.Min(z + bz, Depth), Math.Min(y + by, Height), Math.Min(x + bx, Width));
                        var first = Centre(z, y, x);
                        var last = Centre(z1 - 1, y1 - 1, x1 - 1);
                        var (dz, dy, dx) = (last.Z - first.Z, last.Y - first.Y, last.X - first.X);
                        yield return new Block(
                            z, z1, y, y1, x, x1,
                            ((first.Z + last.Z) / 2, (first.Y + last.Y) / 2, (first.X + last.X) / 2),
                            0.5 * Math.Sqrt((dz * dz) + (dy * dy) + (dx * dx)));
                    }
                }
            }

            static int Steps(double length, double spacing) => Math.Max(1, (int)Math.Round(length / spacing));
        }
    }

    /// <summary>A box of voxels [Z0, Z1) x [Y0, Y1) x [X0, X1); every voxel centre lies within HalfDiagonal of Centre.</summary>
    private readonly record struct Block(int Z0, int Z1, int Y0, int Y1, int X0, int X1, (double Z, double Y, double X) Centre, double HalfDiagonal);

    /// <summary>
    /// The cells' seeds in physical space, kept in a hash grid of one cell's size so that the seeds near a point are
    /// found without looking at all of them (the work grows with the volume, not with its square).
    /// </summary>
    private sealed class Cells
    {
        private readonly List<(double Z, double Y, double X)> _seeds = [];
        private readonly List<bool> _empty = [];
        private readonly List<int>[] _buckets;
        private readonly (double Z, double Y, double X) _origin;
        private readonly (int Z, int Y, int X) _size;
        private readonly double _bucket;

        private Cells((double Z, double Y, double X) origin, (double Z, double Y, double X) extent, double bucket)
        {
            (_origin, _bucket) = (origin, bucket);
            _size = (Buckets(extent.Z), Buckets(extent.Y), Buckets(extent.X));
            _buckets = new List<int>[_size.Z * _size.Y * _size.X];
            for (var i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] = [];
            }

            int Buckets(double length) => Math.Max(1, (int)Math.Ceiling(length / bucket));
        }

        public int Count => _seeds.Count;

        public (double Z, double Y, double X) this[int cell] => _seeds[cell];

        /// <summary>Whether the cell is extracellular space rather than a cell.</summary>
        public bool Empty(int cell) => _empty[cell];

        /// <summary>
        /// Seeds at random, no two closer than <see cref="SeedSpacing"/> of a cell, one per <see cref="CellSize"/>
        /// cubed of space; they fill a margin of half a cell around the volume, so that cells at its faces are cut
        /// like those inside rather than stretched to the face.
        /// </summary>
        public static Cells Place(Random random, VoxelGrid grid)
        {
            var size = CellSize * grid.Finest;
            var margin = size / 2;
            var extent = grid.Extent;
            var outer = (Z: extent.Z + (2 * margin), Y: extent.Y + (2 * margin), X: extent.X + (2 * margin));
            var cells = new Cells((-margin, -margin, -margin), outer, size);
            var wanted = Math.Max(1, (int)Math.Round(outer.Z * outer.Y * outer.X / (size * size * size)));
            var closest = SeedSpacing * size;
            for (var attempt = 0; attempt < (30 * wanted) + 100 && cells.Count < wanted; attempt++)
            {
                var seed = (-margin + (random.NextDouble() * outer.Z), -margin + (random.NextDouble() * outer.Y), -margin + (random.NextDouble() * outer.X));
                if (cells.Nearest(seed, closest).Distance >= closest)
                {
                    cells.Add(seed, random.NextDouble() < EmptyFraction);
                }
            }

            return cells;
        }

        public double DistanceSquared(int cell, (double Z, double Y, double X) p)
        {
            var s = _seeds[cell];
            var (dz, dy, dx) = (s.Z - p.Z, s.Y - p.Y, s.X - p.X);
            return (dz * dz) + (dy * dy) + (dx * dx);
        }

        /// <summary>
        /// Every seed that is the nearest to a point within <paramref name="halfDiagonal"/> of
        /// <paramref name="centre"/>, or whose bisecting plane with that nearest seed passes within
        /// <paramref name="reach"/> of the point.
        /// </summary>
        /// <remarks>
        /// With d the distance from the centre to its nearest seed, a point p's nearest seed lies within d + 2h of the
        /// centre, and a seed X whose plane with p's nearest A is within reach r has |p-X| &lt;= |p-A| + 2r, so lies
        /// within d + 2h + 2r of the centre.
        /// </remarks>
        public List<int> Near((double Z, double Y, double X) centre, double halfDiagonal, double reach)
        {
            var radius = Nearest(centre, double.MaxValue).Distance + (2 * halfDiagonal) + (2 * reach);
            var near = new List<int>();
            var (z0, y0, x0) = BucketOf((centre.Z - radius, centre.Y - radius, centre.X - radius));
            var (z1, y1, x1) = BucketOf((centre.Z + radius, centre.Y + radius, centre.X + radius));
            for (var z = z0; z <= z1; z++)
            {
                for (var y = y0; y <= y1; y++)
                {
                    for (var x = x0; x <= x1; x++)
                    {
                        foreach (var cell in _buckets[Bucket(z, y, x)])
                        {
                            if (DistanceSquared(cell, centre) <= radius * radius)
                            {
                                near.Add(cell);
                            }
                        }
                    }
                }
            }

            return near;
        }

        /// <summary>The nearest seed to a point; when none lies within <paramref name="within"/>, some farther seed or (-1, infinity).</summary>
        /// <remarks>
        /// Searches rings of buckets outward from the point's own: after ring r every seed left unseen is at least
        /// r buckets away, so the search stops once the nearest found is that close, or beyond <paramref name="within"/>.
        /// </remarks>
        private (int Cell, double Distance) Nearest((double Z, double Y, double X) p, double within)
        {
            var (cz, cy, cx) = BucketOf(p);
            var (nearest, best) = (-1, double.PositiveInfinity);
            var rings = Math.Max(_size.Z, Math.Max(_size.Y, _size.X));
            for (var r = 0; r <= rings; r++)
            {
                for (var z = Math.Max(0, cz - r); z <= Math.Min(_size.Z - 1, cz + r); z++)
                {
                    for (var y = Math.Max(0, cy - r); y <= Math.Min(_size.Y - 1, cy + r); y++)
                    {
                        for (var x = Math.Max(0, cx - r); x <= Math.Min(_size.X - 1, cx + r); x++)
                        {
                            if (Math.Max(Math.Abs(z - cz), Math.Max(Math.Abs(y - cy), Math.Abs(x - cx))) != r)
                            {
                                continue;
                            }

                            foreach (var cell in _buckets[Bucket(z, y, x)])
                            {
                                var d = Math.Sqrt(DistanceSquared(cell, p));
                                if (d < best)
                                {
                                    (nearest, best) = (cell, d);
                                }
                            }
                        }
                    }
                }

                if (best <= r * _bucket || r * _bucket >= within)
                {
                    break;
                }
            }

            return (nearest, best);
        }

        private void Add((double Z, double Y, double X) seed, bool empty)
        {
            var (z, y, x) = BucketOf(seed);
            _buckets[Bucket(z, y, x)].Add(_seeds.Count);
            _seeds.Add(seed);
            _empty.Add(empty);
        }

        private (int Z, int Y, int X) BucketOf((double Z, double Y, double X) p) =>
            (Clamp(p.Z - _origin.Z, _size.Z), Clamp(p.Y - _origin.Y, _size.Y), Clamp(p.X - _origin.X, _size.X));

        private int Clamp(double offset, int buckets) => (int)Math.Clamp(Math.Floor(offset / _bucket), 0, buckets - 1);

        private int Bucket(int z, int y, int x) => (((z * _size.Y) + y) * _size.X) + x;
    }
}
