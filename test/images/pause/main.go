// Command pause is the sandbox ("pause") container of the test node's pods: it holds the pod's
// namespaces, reaps orphaned children (it is PID 1 when the pod shares its process namespace) and
// exits 0 on SIGINT or SIGTERM. A stand-in for registry.k8s.io/pause, built here because no image
// registry is reachable.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (mlk test image)")
		return
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
