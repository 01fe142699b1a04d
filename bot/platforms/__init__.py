"""Platform adapters: the only code that knows about Discord, Matrix or the terminal."""
