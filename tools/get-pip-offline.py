"""Stand-in for the pip bootstrap script that ansible-test downloads for its sanity venvs.

That download comes from a host these machines cannot reach. This script does the same job with
what Python ships: ensurepip puts a pip into the venv, which then installs the exact packages
ansible-test asks for (``pip==X`` ...) from the package index. tools/test.sh copies it to
``~/.ansible/test/cache/get_pip_<version>.py``, the file ansible-test looks for first.
"""
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
# ensurepip sets PIP_CONFIG_FILE=/dev/null in this process; the install below needs the
# machine's pip configuration (index, certificates) again.
env = {k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"}
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", "--upgrade"] + args, env=env))
