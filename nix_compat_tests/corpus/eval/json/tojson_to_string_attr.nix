builtins.toJSON { __toString = self: "s"; a = 1; }
