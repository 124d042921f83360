# leading comment
{
  a = 1; # trailing comment
  # b = 2;
}
