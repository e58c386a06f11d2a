"""What every command needs: settings read once per invocation, and the runtime built from them."""

from __future__ import annotations

import getpass
from functools import cached_property
from typing import TYPE_CHECKING

from resurface.config import Settings
from resurface.services import auth, users
from resurface.services.access import Actor

if TYPE_CHECKING:
    from resurface.bootstrap import Runtime


class CliContext:
    @cached_property
    def settings(self) -> Settings:
        return Settings()

    @cached_property
    def runtime(self) -> Runtime:
        # Imported here: the database stack is not needed for `--help` or the engine commands.
        from resurface import bootstrap

        return bootstrap.build(self.settings)

    def acting_as(self, username: str) -> Actor:
        """The user a command acts for; the audit trail records them, from the command line."""
        user = users.active_user(self.runtime.context, username)
        return auth.actor_of(user, f"cli:{getpass.getuser()}")
