; café: a Latin-1 comment
ld [0]
ret #0x7fff0000
