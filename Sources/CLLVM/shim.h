// The parts of LLVM's C API the optimizing tier uses (Debian's llvm-19-dev; the
// include path /usr/lib/llvm-19/include is given by Package.swift).
#include <llvm-c/Core.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <llvm-c/Disassembler.h>
#include <llvm-c/Support.h>
