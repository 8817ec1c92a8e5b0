import CLibELF
