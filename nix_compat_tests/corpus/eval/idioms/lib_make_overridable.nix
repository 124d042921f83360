let
  makeOverridable = f: args: let r = f args; in r // { override = newArgs: makeOverridable f (args // newArgs); };
  pkg = makeOverridable ({ name, version ? "1.0" }: { full = "${name}-${version}"; }) { name = "hello"; };
in [ pkg.full (pkg.override { version = "2.0"; }).full ((pkg.override { version = "3"; }).override { name = "bye"; }).full ]
