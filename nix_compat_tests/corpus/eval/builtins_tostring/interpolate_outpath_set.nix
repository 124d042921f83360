"${{ outPath = "out-path"; }}"
