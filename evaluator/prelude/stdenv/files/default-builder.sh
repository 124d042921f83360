# With structured attributes even `$stdenv` is only in the attributes file
# (Nix 2.8 leaves it in the build directory, under a name that is only right
# outside its sandbox; hence the fallback to the current directory).
if [ -e "${NIX_ATTRS_SH_FILE:-}" ]; then
    source "$NIX_ATTRS_SH_FILE"
elif [ -e .attrs.sh ]; then
    source ./.attrs.sh
fi
source "$stdenv/setup"
genericBuild
