using UNetApp;
using UNetDsl.CommandLine;

// unet: the command line of UNetDsl over the networks declared in Architectures.cs (and, with --assembly, any
// other program's). All the work is in the library; this program only names its networks.
var networks = new NetworkCatalog(new NetworkEntry[]
{
    new("small", typeof(SmallUNet)),
    new("small3", typeof(SmallUNet3)),
    new("paper", typeof(PaperUNet)),
    new("attention", typeof(AttentionUNet)),
    new("cicek3d", typeof(Cicek3DUNet)),
    new("small3d", typeof(Small3DUNet)),
    new("em3d", typeof(EmStack3DUNet)),
});
return UNetCommandLine.Run(args, networks, defaultNetwork: "small");
