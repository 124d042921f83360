# Shared pieces of fetchers: proxy variables passed through to fixed-output
# builds, and turning `hash`/`sha256`/… arguments into `outputHash{,Algo}`.
{ lib }:
let
  fakeHashes = { hash = lib.fakeHash; sha256 = lib.fakeSha256; sha512 = lib.fakeSha512; };
in
rec {
  proxyImpureEnvVars = [
    "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy"
    "HTTP_PROXY" "HTTPS_PROXY" "FTP_PROXY" "ALL_PROXY" "NO_PROXY"
    "NIX_SSL_CERT_FILE"
  ];

  # `args` with its one hash argument replaced by `outputHash` (SRI `hash` gives
  # `outputHashAlgo = null`); "" means the matching fake hash. Arguments that
  # already have `outputHash` pass unchanged.
  normalizeHash = { hashTypes ? [ "sha256" ], required ? true }:
    let names = [ "hash" ] ++ hashTypes; in
    args:
    if args ? outputHash then args
    else
      let
        given = lib.attrsToList (builtins.intersectAttrs (lib.genAttrs names (_: { })) args);
        h =
          if given == [ ] then lib.throwIf required "fetcher called without `hash`" null
          else if builtins.tail given != [ ] then
            throw "fetcher called with mutually-incompatible arguments: ${lib.concatMapStringsSep ", " (a: a.name) given}"
          else builtins.head given;
      in
      removeAttrs args names // lib.optionalAttrs (h != null) {
        outputHashAlgo = if h.name == "hash" then null else h.name;
        outputHash =
          if h.value == "" then fakeHashes.${h.name} or (throw "no “fake hash” defined for ${h.name}") else h.value;
      };

  # `fetcher` (taking outputHash/outputHashAlgo) made to take `hash` & co instead;
  # its advertised arguments name `hash` in place of the two.
  withNormalizedHash = { hashTypes ? [ "sha256" ] }: fetcher:
    let
      formals = lib.functionArgs fetcher;
      normalize = normalizeHash { inherit hashTypes; required = !formals.outputHash; };
    in
    assert formals ? outputHash && formals ? outputHashAlgo;
    assert builtins.intersectAttrs formals (lib.genAttrs ([ "hash" ] ++ hashTypes) (_: { })) == { };
    lib.setFunctionArgs (args: fetcher (normalize args))
      (removeAttrs formals [ "outputHash" "outputHashAlgo" ] // { hash = formals.outputHash; });
}
