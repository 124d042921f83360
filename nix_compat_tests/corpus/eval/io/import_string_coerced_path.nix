(import (toString ../../fixtures/simple.nix)).value
