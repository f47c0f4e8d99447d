// Command etcd is the etcd server, built from the published go.etcd.io/etcd/server/v3
// module at the version pinned in tools/versions.env. This file is ours; it only
// calls etcd's own entry point (the same one etcd's upstream main uses).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
