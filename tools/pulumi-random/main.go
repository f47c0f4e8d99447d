// Command pulumi-resource-random is a Pulumi resource provider bridged from the
// Terraform random provider with github.com/pulumi/pulumi-terraform-bridge, built
// because github.com/pulumi/pulumi-random/provider is not on the Go module proxy.
// Resource tokens follow pulumi-random's (random:index/randomId:RandomId, ...), so
// the @pulumi/random npm SDK talks to it unchanged.
package main

import (
	"context"
	"os"
	"unicode"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	ptokens "github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-random/shim"
)

// version is stamped by scripts/toolchain.sh (-X main.version=...) to the @pulumi/random version.
var version = "4.21.2"

func res(name string) ptokens.Type {
	file := string(unicode.ToLower(rune(name[0]))) + name[1:]
	return ptokens.Type("random:index/" + file + ":" + name)
}

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		Name:        "random",
		P:           pftfbridge.ShimProvider(shim.NewProvider()),
		Description: "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:    []string{"pulumi", "random"},
		License:     "Apache-2.0",
		Homepage:    "https://pulumi.io",
		Repository:  "https://github.com/pulumi/pulumi-random",
		Version:     version,
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_id":       {Tok: res("RandomId")},
			"random_password": {Tok: res("RandomPassword")},
			"random_pet":      {Tok: res("RandomPet")},
			"random_shuffle":  {Tok: res("RandomShuffle")},
			"random_string":   {Tok: res("RandomString")},
			"random_integer":  {Tok: res("RandomInteger")},
			"random_uuid":     {Tok: res("RandomUuid")},
			"random_uuid4":    {Tok: res("RandomUuid4")},
			"random_uuid7":    {Tok: res("RandomUuid7")},
			"random_bytes":    {Tok: res("RandomBytes"), ComputeID: bytesID},
		},
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
	}
	// Anything newer upstream (not in @pulumi/random) gets the same token shape.
	info.MustComputeTokens(tokens.SingleModule("random_", "index", func(module, name string) (string, error) {
		return string(res("Random" + name)), nil
	}))
	return info
}

// bytesID mirrors pulumi-random: random_bytes has no natural id, use its base64 value.
func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b := state["base64"]
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", nil
	}
	return resource.ID(b.StringValue()), nil
}

func main() {
	ctx := context.Background()
	info := providerInfo()
	pftfbridge.Main(ctx, "random", info, pftfbridge.ProviderMetadata{
		// The package schema is generated in memory when the engine asks for it
		// (pulumi package get-schema, codegen); normal up/preview never do.
		XGetSchema: func(ctx context.Context, _ plugin.GetSchemaRequest) ([]byte, error) {
			sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
			r, err := pftfgen.GenerateSchema(ctx, pftfgen.GenerateSchemaOptions{
				ProviderInfo: info, DiagnosticsSink: sink, XInMemoryDocs: true,
			})
			if err != nil {
				return nil, err
			}
			return r.ProviderMetadata.PackageSchema, nil
		},
	})
}
