// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider. This is the
// provider's own cmd/pulumi-resource-kubernetes/main.go restated in our tools module:
// upstream embeds schema-embed.json and terraform-mapping-embed.json, files its
// Makefile generates and the module zip does not carry. scripts/toolchain.sh
// generates them (with upstream's generate.go) and passes them with -overlay, which
// may not replace files inside the module cache but may add files here.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
