// A Go crypto/tls server for the interop specs: Go's server, like
// BoringSSL's and rustls's, sends TLS 1.3 session tickets only to a client
// whose ClientHello lists psk_dhe_ke (RFC 8446 4.2.9).
//   go run spec/support/go_tls_server.go CERT KEY CONNECTIONS
// Prints "ready <port>", then per connection "version=... resumed=true|false"
// and echoes one line back.
package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strconv"
)

func main() {
	cert, err := tls.LoadX509KeyPair(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Println("failed", err)
		os.Exit(1)
	}
	count, _ := strconv.Atoi(os.Args[3])
	config := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", config)
	if err != nil {
		fmt.Println("failed", err)
		os.Exit(1)
	}
	fmt.Printf("ready %d\n", ln.Addr().(*net.TCPAddr).Port)
	for i := 0; i < count; i++ {
		c, err := ln.Accept()
		if err != nil {
			fmt.Println("failed", err)
			os.Exit(1)
		}
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			fmt.Println("failed", err)
			c.Close()
			continue
		}
		st := tc.ConnectionState()
		fmt.Printf("version=%x resumed=%v\n", st.Version, st.DidResume)
		line, _ := bufio.NewReader(tc).ReadString('\n')
		tc.Write([]byte(line))
		tc.Close()
	}
}
