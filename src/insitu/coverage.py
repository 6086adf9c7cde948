"""`python -m insitu coverage`: how much of PyTorch's public API insitu provides.

Per namespace (torch, Tensor, nn, nn.functional, optim, linalg) it counts the names of PyTorch's
list that insitu has, and lists the ones it lacks. PyTorch's list is data shipped with the
package (`_torch_names.json`); insitu's side is read from the package as imported.

    python -m insitu coverage              # the summary and the missing names
    python -m insitu coverage --write      # regenerate docs/coverage.md (a test checks it)
    python -m insitu coverage --refresh    # re-read PyTorch's names from the installed torch

`--refresh` needs PyTorch itself installed (and not aliased by `insitu.compat`); the list then
records which version it was read from.
"""
import argparse
import json
import os
import subprocess
import sys
import textwrap
import types

import insitu
from .interop import missing

NAMESPACES = ("torch", "Tensor", "nn", "nn.functional", "optim", "linalg")
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "docs", "coverage.md")
WRITE_COMMAND = "python -m insitu coverage --write"

# public by the name but not API: typing helpers, build flags, documentation fragments, names
# the module imported for its own use
EXCLUDE = {
    "torch": {"TYPE_CHECKING", "USE_GLOBAL_DEPS", "USE_RTLD_GLOBAL_WITH_LIBTORCH",
              "PRIVATE_OPS", "classproperty", "LoggerBase", "get_file_path", "torch",
              "prepare_multiprocessing_environment", "compiled_with_cxx11_abi",
              "profiler_allow_cudagraph_cupti_lazy_reinit_cuda12"},
    "nn": {"common_types", "factory_kwargs"},
    "nn.functional": {"BroadcastingList1", "BroadcastingList2", "BroadcastingList3",
                      "TYPE_CHECKING", "Tensor", "boolean_dispatch", "handle_torch_function",
                      "has_torch_function", "has_torch_function_unary",
                      "has_torch_function_variadic", "assert_int_or_pair",
                      "reproducibility_notes", "sparse_support_notes", "tf32_notes"},
    "linalg": {"common_notes"},
}
_FOREIGN = ("typing", "typing_extensions", "collections.abc", "abc")


# ------------------------------------------------------------------ PyTorch's side

def torch_namespaces(torch):
    """{namespace: the object holding it} for an imported PyTorch (or for insitu)."""
    return {"torch": torch, "Tensor": torch.Tensor, "nn": torch.nn,
            "nn.functional": torch.nn.functional, "optim": torch.optim,
            "linalg": torch.linalg}


def public_names(ns, exclude=()):
    """The public names of a PyTorch namespace: not private, not another library's module
    imported there (os, math, ...), not a typing helper, not excluded."""
    names = []
    for name in dir(ns):
        if name.startswith("_") or name in exclude:
            continue
        try:
            obj = getattr(ns, name)
        except Exception:              # a lazy attribute that fails to load is not API
            continue
        if isinstance(obj, types.ModuleType) and not obj.__name__.startswith("torch."):
            continue
        if getattr(obj, "__module__", None) in _FOREIGN:
            continue
        names.append(name)
    return sorted(names)


def collect():
    """PyTorch's public names, read in this interpreter (which must have PyTorch itself)."""
    import torch      # PyTorch itself: its names are the data this collects
    if getattr(torch, "__name__", "") != "torch" or not hasattr(torch, "_C"):
        raise RuntimeError("coverage --refresh needs PyTorch itself, but `torch` is bound to "
                           "insitu here (insitu.compat)")
    return {"torch_version": torch.__version__.split("+")[0],
            "namespaces": {ns: public_names(obj, EXCLUDE.get(ns, ()))
                           for ns, obj in torch_namespaces(torch).items()}}


def refresh(path=missing.NAMES_FILE):
    """Re-read PyTorch's public names into the shipped list. They are read in a fresh
    interpreter: which torch submodules show up as attributes of `torch` depends on what was
    imported before."""
    code = "import json, insitu.coverage as c; print(json.dumps(c.collect()))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"coverage --refresh could not read PyTorch's names:\n{done.stderr}")
    data = json.loads(done.stdout)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    missing._names.clear()
    return data


# ------------------------------------------------------------------ the report

def _insitu_namespaces():
    return torch_namespaces(insitu)


def report():
    """(torch version, [(namespace, provided names, missing names)])."""
    with open(missing.NAMES_FILE, encoding="utf-8") as f:
        data = json.load(f)
    objs = _insitu_namespaces()
    rows = []
    for ns in NAMESPACES:
        names = data["namespaces"].get(ns, [])
        have = [n for n in names if _provides(objs[ns], n)]
        lacks = [n for n in names if n not in set(have)]
        rows.append((ns, have, lacks))
    return data.get("torch_version", "?"), rows


def _provides(obj, name):
    try:
        getattr(obj, name)
    except AttributeError:
        return False
    return True


def _percent(have, total):
    return f"{100 * have / total:.0f}%" if total else "-"


def render_text(version, rows):
    out = [f"insitu's coverage of PyTorch {version}'s public names", ""]
    width = max(len(ns) for ns, _, _ in rows)
    for ns, have, lacks in rows:
        total = len(have) + len(lacks)
        share = _percent(len(have), total)
        out.append(f"  {ns:<{width}}  {len(have):>4} of {total:<4} {share:>5}")
    for ns, have, lacks in rows:
        if lacks:
            out += ["", f"{ns}: missing {len(lacks)}"]
            out += textwrap.wrap(", ".join(lacks), 96, initial_indent="  ",
                                 subsequent_indent="  ")
    return "\n".join(out) + "\n"


def render_markdown(version, rows):
    out = ["# Coverage of PyTorch's API",
           "",
           f"Which of PyTorch {version}'s public names insitu provides, per namespace. "
           f"Generated by `{WRITE_COMMAND}`; a test checks that it is current. Using a "
           "missing name raises `AttributeError: insitu does not implement torch.X yet`.",
           "",
           "| namespace | provided | of | share |",
           "|---|---:|---:|---:|"]
    for ns, have, lacks in rows:
        total = len(have) + len(lacks)
        out.append(f"| `{ns}` | {len(have)} | {total} | {_percent(len(have), total)} |")
    for ns, have, lacks in rows:
        label = "torch" if ns == "torch" else f"torch.{ns}"
        listed = ", ".join(f"`{n}`" for n in lacks) or "none"
        out += ["", f"## `{label}`", "", f"Missing ({len(lacks)}):", ""]
        out += textwrap.wrap(listed, 96, break_on_hyphens=False)
    return "\n".join(out) + "\n"


def doc_is_current(path=DOC):
    """(is the generated page equal to the file, the generated text)."""
    text = render_markdown(*report())
    try:
        with open(path, encoding="utf-8") as f:
            return f.read() == text, text
    except OSError:
        return False, text


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m insitu coverage", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--refresh", action="store_true",
                   help="re-read PyTorch's public names from the installed torch")
    p.add_argument("--write", nargs="?", const=DOC, metavar="PATH",
                   help=f"write the Markdown page (default {os.path.relpath(DOC)})")
    p.add_argument("--markdown", action="store_true", help="print the Markdown page")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.refresh:
        data = refresh()
        print(f"read {sum(map(len, data['namespaces'].values()))} names from PyTorch "
              f"{data['torch_version']} into {missing.NAMES_FILE}")
    version, rows = report()
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(render_markdown(version, rows))
        print(f"wrote {args.write}")
    elif args.markdown:
        sys.stdout.write(render_markdown(version, rows))
    elif not args.refresh:
        sys.stdout.write(render_text(version, rows))
    return 0
