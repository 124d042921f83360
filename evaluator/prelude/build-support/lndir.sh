# pydockLndir FROM TO: mirror the tree FROM into TO the way X11's `lndir -silent`
# does (nixpkgs' symlinkJoin uses it): directories become real directories and
# are merged; every other entry becomes a symlink to the original file, or, for
# a symlink, a copy of that symlink (same target). A symlink to a directory is
# not followed. Whatever already exists in TO stays (the first tree wins).
# Like lndir, it skips names ending in "~" and version-control directories.
_pydockLndirInto() {
    local from="$1" to="$2" entry name dest
    for entry in "$from"/*; do
        name="${entry##*/}"
        case "$name" in *~) continue ;; esac
        dest="$to/$name"
        if [ -d "$entry" ] && [ ! -L "$entry" ]; then
            case "$name" in RCS | SCCS | CVS | CVS.adm | .svn | .git | .hg) continue ;; esac
            if [ -L "$dest" ]; then
                echo "$dest: is a link instead of a directory" >&2
                continue
            fi
            if [ ! -e "$dest" ]; then mkdir -- "$dest"; fi
            if [ ! -d "$dest" ]; then
                echo "$dest: Not a directory" >&2
                continue
            fi
            _pydockLndirInto "$entry" "$dest"
        elif [ -L "$dest" ]; then
            continue
        elif [ -e "$dest" ]; then
            echo "$dest: File exists" >&2
        elif [ -L "$entry" ]; then
            ln -s -- "$(readlink -- "$entry")" "$dest"
        else
            ln -s -- "$entry" "$dest"
        fi
    done
}

pydockLndir() {
    if [ ! -d "$1" ]; then
        echo "$1: Not a directory" >&2
        return 2
    fi
    local saved
    saved="$(shopt -p dotglob nullglob || true)"
    shopt -s dotglob nullglob
    _pydockLndirInto "$1" "$2"
    eval "$saved"
}
