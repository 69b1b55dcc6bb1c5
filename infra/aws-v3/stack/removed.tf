# The GitHub OIDC provider and the deploy role moved to the bootstrap layer (they must exist
# before the first push, and the pipeline's roles live there too). A stack created before the
# move forgets them without destroying them; the bootstrap layer then imports them
# (README, "Upgrading a stack from before the move"). On a new stack these blocks do nothing.

removed {
  from = aws_iam_openid_connect_provider.github

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.github_deploy

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy.github_deploy

  lifecycle {
    destroy = false
  }
}
