"""Pure clinical rules and records. Standard library only; nothing here touches a database."""
