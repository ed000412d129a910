"""A configuration refused: one line naming the key."""


class ConfigError(ValueError):
    """Invalid configuration; the message is one line that names the key."""


def describe_omegaconf_error(error):
    """One line naming the key of an OmegaConf error (unknown, missing, wrong type)."""
    key = getattr(error, "full_key", None) or "config"
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "not in" in message or "is not in struct" in message:
        return f"{key}: unknown key (a typo?)"
    if "Missing mandatory value" in message:
        return f"{key}: missing value"
    return f"{key}: {message}"


__all__ = ["ConfigError", "describe_omegaconf_error"]
