[ (import ../../fixtures/function.nix { }) (import ../../fixtures/function.nix { x = 3; }) ]
