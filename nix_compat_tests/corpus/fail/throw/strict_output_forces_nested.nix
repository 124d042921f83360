{ a.b.c = throw "deep in output"; }
