# A typical dockerTools-style file: configs, let-bindings, string building, lists
let
  mkConfig = { name, tag ? "latest", env ? { }, ports ? [ ] }: {
    inherit name tag;
    config = {
      Env = builtins.attrValues (builtins.mapAttrs (k: v: "${k}=${v}") env);
      ExposedPorts = builtins.listToAttrs (map (p: { name = "${toString p}/tcp"; value = { }; }) ports);
      Cmd = [ "/bin/${name}" "--port" (toString (builtins.head (ports ++ [ 80 ]))) ];
    };
  };
  images = builtins.genList (i: mkConfig {
    name = "svc${toString i}";
    env = { PATH = "/bin"; INDEX = toString i; };
    ports = [ (8000 + i) (9000 + i) ];
  }) 300;
in
builtins.toJSON (map (i: i.config) images)
