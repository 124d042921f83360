# `pkgs.pydockHostShell` (pydock-only, no nixpkgs counterpart): the host's /bin/sh
# as a content-addressed store path laid out as a root file system (bin/sh, its ELF
# interpreter and shared libraries at their absolute paths), so an image that lists
# it in `contents` carries a shell without a package index. pydock's evaluator
# answers `import ./host-shell.nix` with that path (evaluator/packages/host_shell.py);
# this file's own value is what real Nix, which cannot copy a host's shell, sees.
throw "pydockHostShell is pydock's copy of the host's /bin/sh; only pydock's evaluator provides it"
