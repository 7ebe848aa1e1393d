ld [0]
jeq #2, deny
deny: ret #0x7fff0000
deny: ret #0
