// Command registry is the distribution registry with only what the local node's tests use: the
// htpasswd authentication and the filesystem storage. Upstream's cmd/registry also links the
// cloud storage drivers (Azure, GCS, S3) and the token and proxy modes, none of which a
// registry on the node's bridge serves, and their modules are most of its build.
package main

import (
	"github.com/distribution/distribution/v3/registry"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	// RootCmd exits non-zero itself when its command fails.
	_ = registry.RootCmd.Execute()
}
