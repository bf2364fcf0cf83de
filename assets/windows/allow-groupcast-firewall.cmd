@echo off
rem Lets Groupcast receive multicast on its default port through Windows
rem Firewall. Run as administrator (right-click, "Run as administrator").
rem Change 3333 to the port your group uses; rooms also use 9875 (SAP).
netsh advfirewall firewall add rule name="Groupcast UDP 3333" dir=in action=allow protocol=UDP localport=3333
netsh advfirewall firewall add rule name="Groupcast rooms (SAP) UDP 9875" dir=in action=allow protocol=UDP localport=9875
pause
