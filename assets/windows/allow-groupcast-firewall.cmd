@echo off
rem Lets Groupcast receive multicast on its default port through Windows
rem Firewall. Run as administrator (right-click, "Run as administrator").
rem Change 3333-3334 to the port your group uses and the next one (its
rem companion port, where members send all but their messages); rooms also
rem use 9875 (SAP).
netsh advfirewall firewall add rule name="Groupcast UDP 3333-3334" dir=in action=allow protocol=UDP localport=3333-3334
netsh advfirewall firewall add rule name="Groupcast rooms (SAP) UDP 9875" dir=in action=allow protocol=UDP localport=9875
pause
