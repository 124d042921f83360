# Every output set shares drvPath and the original attributes, but has its own outPath/outputName.
let
  d = derivation {
    name = "consistent";
    system = "x86_64-linux";
    builder = "/bin/sh";
    outputs = [ "out" "dev" ];
    marker = "m";
  };
in {
  drv = d;
  sameDrv = d.dev.drvPath == d.drvPath && d.out.drvPath == d.drvPath;
  outIsSelf = d.out.outPath == d.outPath;
  devDiffers = d.dev.outPath != d.outPath;
  names = [ d.outputName d.dev.outputName d.out.outputName d.dev.out.outputName ];
  allLength = builtins.length d.all;
  marker = d.dev.marker;
  typeOfDev = d.dev.type;
  outputs = d.outputs;
}
