"""Date and number formats per language where Django has none (Kazakh) or writes dates other
than a bank's documents do (Uzbek), found through settings.FORMAT_MODULE_PATH. A language
without a module here keeps Django's formats."""
