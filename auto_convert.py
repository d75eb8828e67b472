"""Entry point compatible with the reference script's command line; runs `torch2ms convert`.

  python auto_convert.py --src_root A --dst_root B       convert folder A into a new folder B
  python auto_convert.py --src_root A --inplace          rewrite folder A in place (backups *.orig)
  python auto_convert.py --src_file F                    print F converted to stdout
  python auto_convert.py --src_file F --dst_file G       write F converted to G
  python auto_convert.py --src_file F --inplace          rewrite F in place (backup F.orig)

--report FILE, -j N and -q are passed through. Exit status as for `torch2ms convert`.
"""
import argparse
import sys

from torch2ms import cli


def to_cli_args(argv=None):
    parser = argparse.ArgumentParser(prog="auto_convert.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--src_root", help="folder to convert")
    source.add_argument("--src_file", help="file to convert")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--dst_root", help="new folder for the converted tree (with --src_root)")
    target.add_argument("--dst_file", help="where to write the converted file (with --src_file)")
    target.add_argument("--inplace", action="store_true", help="rewrite the sources, keeping backups")
    parser.add_argument("--report", metavar="FILE")
    parser.add_argument("-j", "--jobs")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.src_root and args.dst_file:
        parser.error("--dst_file goes with --src_file; use --dst_root with --src_root")
    if args.src_file and args.dst_root:
        parser.error("--dst_root goes with --src_root; use --dst_file with --src_file")
    if args.src_root and not (args.dst_root or args.inplace):
        parser.error("--src_root needs --dst_root or --inplace")

    converted = ["convert", args.src_root or args.src_file]
    destination = args.dst_root or args.dst_file
    if destination:
        converted += ["-o", destination]
    if args.inplace:
        converted.append("--inplace")
    if args.report:
        converted += ["--report", args.report]
    if args.jobs:
        converted += ["-j", args.jobs]
    if args.quiet:
        converted.append("-q")
    return converted


if __name__ == "__main__":
    sys.exit(cli.main(to_cli_args()))
