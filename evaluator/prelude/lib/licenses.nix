# A few common licenses, so that `meta.license = lib.licenses.mit;` evaluates.
# Nix sets cannot answer every name, so only these exist; meta is lazy, and an
# unknown license only fails if the meta attribute is actually forced.
{ lib }:
let
  spdx = shortName: spdxId: fullName: {
    inherit shortName spdxId fullName;
    url = "https://spdx.org/licenses/${spdxId}.html";
    free = true;
    redistributable = true;
    deprecated = false;
  };
in
{
  agpl3Only = spdx "agpl3Only" "AGPL-3.0-only" "GNU Affero General Public License v3.0 only";
  agpl3Plus = spdx "agpl3Plus" "AGPL-3.0-or-later" "GNU Affero General Public License v3.0 or later";
  asl20 = spdx "asl20" "Apache-2.0" "Apache License 2.0";
  bsd2 = spdx "bsd2" "BSD-2-Clause" "BSD 2-clause \"Simplified\" License";
  bsd3 = spdx "bsd3" "BSD-3-Clause" "BSD 3-clause \"New\" or \"Revised\" License";
  cc0 = spdx "cc0" "CC0-1.0" "Creative Commons Zero v1.0 Universal";
  gpl2Only = spdx "gpl2Only" "GPL-2.0-only" "GNU General Public License v2.0 only";
  gpl2Plus = spdx "gpl2Plus" "GPL-2.0-or-later" "GNU General Public License v2.0 or later";
  gpl3Only = spdx "gpl3Only" "GPL-3.0-only" "GNU General Public License v3.0 only";
  gpl3Plus = spdx "gpl3Plus" "GPL-3.0-or-later" "GNU General Public License v3.0 or later";
  isc = spdx "isc" "ISC" "ISC License";
  lgpl21Only = spdx "lgpl21Only" "LGPL-2.1-only" "GNU Lesser General Public License v2.1 only";
  lgpl21Plus = spdx "lgpl21Plus" "LGPL-2.1-or-later" "GNU Lesser General Public License v2.1 or later";
  lgpl3Only = spdx "lgpl3Only" "LGPL-3.0-only" "GNU Lesser General Public License v3.0 only";
  lgpl3Plus = spdx "lgpl3Plus" "LGPL-3.0-or-later" "GNU Lesser General Public License v3.0 or later";
  mit = spdx "mit" "MIT" "MIT License";
  mpl20 = spdx "mpl20" "MPL-2.0" "Mozilla Public License 2.0";
  unlicense = spdx "unlicense" "Unlicense" "The Unlicense";
  zlib = spdx "zlib" "Zlib" "zlib License";
  publicDomain = { shortName = "publicDomain"; fullName = "Public Domain"; free = true; redistributable = true; deprecated = false; };
  free = { shortName = "free"; fullName = "Unspecified free software license"; free = true; redistributable = true; deprecated = false; };
  unfree = { shortName = "unfree"; fullName = "Unfree"; free = false; redistributable = false; deprecated = false; };
  unfreeRedistributable = { shortName = "unfreeRedistributable"; fullName = "Unfree redistributable"; free = false; redistributable = true; deprecated = false; };
}
