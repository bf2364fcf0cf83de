package cli

// usage is what -h prints: the commands, their options, and the line
// commands of chat.
const usage = `Groupcast: group text conferencing over IP multicast on a local network.

Usage:
  groupcast [-join ADDR:PORT | -room NAME] [-name NICK] [-iface IF] [-tray] [-role student] [-config FILE]
                                                        open the window (joined at once with -join or -room;
                                                        -tray: closing hides it in the system tray; -role
                                                        student: no "create a room / I present"); flags win
                                                        over what the window saved
  groupcast listen -group ADDR:PORT [options]           print messages until interrupted
  groupcast send   -group ADDR:PORT [options] TEXT...   send TEXT as one message (or -file PATH: a file)
  groupcast chat   -group ADDR:PORT [options]           send each line of standard input, print messages
  groupcast history [-group ADDR:PORT | -room NAME] [-search WORDS] [-from NICK] [-since DATE]
                   [-limit 50] [-json] [-export FILE] [-key-file FILE]
                                                        what was kept (listen/chat -history, the window):
                                                        searched, printed, or written to .txt/.html/.json
  groupcast rooms [-json] [-wait 6s]                    list the rooms announced on this network
                                                        (and on networks bridged to it: marked remote)
  groupcast bridge -group ADDR:PORT | -room NAME -nats URL [-nats-creds FILE] [-nats-ca FILE] [-iface IF]
                                                        forward the group between this network and a NATS
                                                        server (one per network; a second stands by)
  groupcast bridge -group ADDR:PORT -subject            print the group's NATS subjects
  groupcast hub [-listen 0.0.0.0:4222] [-tls-cert FILE -tls-key FILE] [-leaf-listen ADDR | -leaf-of URL]
                [-token-file FILE | -open]              run a NATS server for bridges and members to meet at:
                                                        closed to who has not its token (it prints the
                                                        addresses to use, nats://TOKEN@HOST:4222)
  groupcast doctor [-group ADDR:PORT] [-iface IF] [-listen 3s] [-key-file FILE] [-json]
                                                        diagnose multicast on this computer
  groupcast bench [-lab [-trace DIR]] [-duration 3s] [-size 200] [-receivers 3] [-json]
                                                        measure the engine against the bare socket
                                                        (-lab: between network namespaces, one process per host;
                                                        -trace: each process's execution trace into DIR)
  groupcast version

Options of listen, send and chat:
  -group ADDR:PORT  multicast group (default ` + "239.255.3.3:3333" + `)
  -iface IF         network interface to use (default: automatic)
  -name NICK        your name (default: your user name @ this computer's name)
  -ttl N            hops the messages may cross, 0-255 (default 1: this network only)
  -loopback=false   do not let other programs on this computer hear you
  -json             one JSON object per event on standard output
  -plain            send bare text that simple multicast tools (C, Python,
                    socat) show as is: no names, no repair, no privacy
  -encoding E       how the group's classic tools write text: auto (default:
                    each sender's text read as it plausibly is), utf-8, or
                    gbk (Chinese Windows tools); -plain sends in it (auto:
                    utf-8)
  -room NAME        join the room announced as NAME instead of -group,
                    waiting for it as long as it runs and following it to
                    another group; with -group, create the room and
                    announce it (refused when two rooms are announced
                    under NAME)
  -room-wait D      with -room: give up (exit status 1) when the room is
                    not announced within D (default: wait)
  -room-key FP      with -room: take only the room whose presenter key has
                    the fingerprint FP (the presenter's screen shows it)
  -present          with -room: be its presenter (what you send is signed:
                    your messages, and announcements with chat's /announce
                    or send -announce, pinned on top with receipts; started
                    on the group its name gives when not announced);
                    -readonly: only the presenter may post
  -key-file FILE    make the group private with the passphrase in FILE
                    (or set GROUPCAST_KEY; -key PASSPHRASE works but shows
                    it in the process list)

Other networks (docs/BRIDGE.md):
  -nats URL         join through this NATS server instead of multicast
                    (nats://HOST:4222, tls://HOST:4222); -nats-creds FILE
                    and -nats-ca FILE for accounts and TLS. Members on
                    networks with a bridge, and others through NATS, are
                    all in the same group; a private group stays sealed.
                    A hub's address holds its token: nats://TOKEN@HOST:4222
  -bridge-key KEY   the site's bridge key (groupcast hub prints it): only
                    the bridges it verifies are taken as such; without it
                    what a bridge passes on counts as one computer's

History:
  listen/chat -history  keep what is shown (committed before it is
                    printed) in this user's history folder; -history-dir
                    DIR keeps it there instead; groupcast history reads it

Files to the whole group at once (one multicast stream, repaired):
  send -file PATH   offer PATH to everyone, wait until each has it or has
                    failed, and say who (exit status 1 if anyone failed);
                    -file-rate MBIT caps it (default 400 Mbit/s)
  listen -save DIR  save the files offered into DIR (never over a file
                    there: "a (2).pdf"); -max-file-size MB (default 4096)
  chat: /file PATH  a line of input offers PATH while the chat goes on
                    ("//" at the start of a line sends one "/"); chat
                    leaves once every file has its final receipt

A room's presenter (-room NAME -present):
  chat: /announce TEXT  a line announces TEXT (pinned on top, notified,
                    receipts counted); other lines are your messages
  send -announce    send TEXT as an announcement, not a message

On a computer with several networks (Wi-Fi and cable, or a VPN), name the
interface with -iface: multicast is joined and sent on that one only.
Exit status: 0 done, 1 network failure, 2 invalid input.
`
