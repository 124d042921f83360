import (../../fixtures + "/simple.nix")
