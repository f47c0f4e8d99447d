// Our own shim (not upstream code): the Terraform random provider keeps its
// implementation in an internal package, which only code under the
// github.com/terraform-providers/terraform-provider-random/ import path may import.
// This is the same trick pulumi-random uses with its own (unpublished) shim module.
module github.com/terraform-providers/terraform-provider-random/shim

go 1.25.8

require github.com/terraform-providers/terraform-provider-random v1.3.2-0.20260824155315-e1092b0cfc07
