from tests.emulator_process import emulator, emulator_server

__all__ = ["emulator", "emulator_server"]
