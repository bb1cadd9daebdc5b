# The one place the AWS provider version is written for Dependabot (package-ecosystem
# "terraform"). The stacks take their pin from @cdktf/provider-aws (generated for this version)
# and scripts/lib/terraform.ts AWS_PROVIDER_VERSION; __tests__/provider-pin.test.ts keeps the
# three equal, so a Dependabot bump here fails `test` until the bindings and the mirror follow.
# No lock file is committed: see docs/pipeline.md ("The provider lock file").
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}
