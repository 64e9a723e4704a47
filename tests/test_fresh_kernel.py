"""``migrate`` runs a rewritten cell that still fails once more in a fresh kernel, after the cells
before it, as "Restart and Run All" would: the versions that failed can leave state behind that
only a new process clears. The case here is real: a Keras-2 VAE builder whose loss reads the
builder's symbolic tensors; its first run in Keras 3 fails inside a traced function, which
leaves Keras's global random seed generator broken in that process, so the corrected model fails
there too ("seed must have shape [2], not [0]") and runs in a fresh one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import code_cells, document, migrate_json, migrate_notebook

# migrate's loop logic: where rules through a kernel run; colab also runs the first test, whose
# restart comes from Keras's own state in the process
pytestmark = [pytest.mark.envs(*KERNEL_RULE_ENVS), pytest.mark.slow]

CELLS = [
    "import numpy as np\nimport keras\nfrom keras.layers import Input, Dense, Lambda\n"
    "from keras.models import Model\n",
    """def create_vae(input_dim, latent_dim, batch_size):
    x = Input(shape=(input_dim,))
    h = Dense(16, activation='relu')(x)
    z_mean = Dense(latent_dim)(h)
    z_log_sigma = Dense(latent_dim)(h)
    def sampling(args):
        z_mean, z_log_sigma = args
        epsilon = keras.random.normal(shape=(batch_size, latent_dim), mean=0., stddev=1.)
        return z_mean + keras.ops.exp(z_log_sigma) * epsilon
    z = Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_sigma])
    x_decoded_mean = Dense(input_dim, activation='sigmoid')(z)
    vae = Model(x, x_decoded_mean)
    def vae_loss(x, x_decoded_mean):
        xent_loss = keras.losses.binary_crossentropy(x, x_decoded_mean)
        kl_loss = - 0.5 * keras.ops.mean(1 + z_log_sigma - keras.ops.square(z_mean) - keras.ops.exp(z_log_sigma), axis=-1)
        return xent_loss + kl_loss
    vae.compile(optimizer='rmsprop', loss=vae_loss)
    return vae
""",
    "x_train = np.random.rand(32, 8).astype('float32')\nvae = create_vae(8, 2, 16)\n"
    "history = vae.fit(x_train, x_train, epochs=1, batch_size=16, verbose=0)\n"
    "print('trained', len(history.history['loss']))\n",
]


@pytest.mark.envs("tf221-k3", "colab")
def test_a_rewritten_cell_that_fails_runs_again_in_a_fresh_kernel(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "vae.ipynb", CELLS)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    last = doc["cells"][-1]
    assert any("fresh kernel" in note for note in last["notes"]), last["notes"]
    builder = code_cells(tmp_path / "out" / "vae.ipynb")[1].source
    # the loss is added where its tensors are, in the builder's own cell, which is not repeated
    assert "def vae_loss(x, x_decoded_mean, z_log_sigma, z_mean):" in builder
    assert "vae.compile(optimizer='rmsprop')" in builder
    script = tmp_path / "migrated.py"
    script.write_text("\n".join(c.source for c in code_cells(tmp_path / "out" / "vae.ipynb")))
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0 and "trained 1" in plain.stdout, plain.stderr[-2000:]


KERAS2_VAE_SCRIPT = """import numpy as np
from keras.layers import Input, Dense, Lambda
from keras.models import Model
from keras import backend as K
from keras import objectives
x = Input(batch_shape=(4, 6))
h = Dense(3, activation='relu')(x)
z_mean = Dense(2)(h)
z_log_var = Dense(2)(h)
def sampling(args):
    z_mean, z_log_var = args
    eps = K.random_normal(shape=(4, 2), mean=0., std=1.0)
    return z_mean + K.exp(z_log_var / 2) * eps
z = Lambda(sampling, output_shape=(2,))([z_mean, z_log_var])
out = Dense(6, activation='sigmoid')(z)
def vae_loss(x, x_dec):
    xent = objectives.binary_crossentropy(x, x_dec)
    kl = - 0.5 * K.mean(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    return xent + kl
vae = Model(x, out)
vae.compile(optimizer='rmsprop', loss=vae_loss)
history = vae.fit(np.random.rand(8, 6), np.random.rand(8, 6), batch_size=4, nb_epoch=1, verbose=0)
print('trained', len(history.history['loss']))
"""


def test_a_script_is_never_taken_for_a_module_of_its_own_and_runs_again_in_a_fresh_kernel(tmp_path: Path) -> None:  # fmt: skip
    """A Keras 2 VAE script (Keras 2's ``objectives``, ``K.random_normal``): the kernel's main
    module carries the script's ``__file__``, and once ``multiprocessing`` is imported there (the
    diagnosis of its import error does) it is also ``sys.modules['__mp_main__']``. It is not a
    module of the user's: a corrected module forbids the fresh kernel the seed generator's error
    needs, and the script's copy would be written from the module's lint alone."""
    script = tmp_path / "vae.py"
    script.write_text(KERAS2_VAE_SCRIPT)
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "out"))
    doc = document(report, "vae.py")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert not doc.get("modules"), doc.get("modules")
    assert any("fresh kernel" in note for cell in doc["cells"] for note in cell["notes"])
    migrated = (tmp_path / "out" / "vae.py").read_text()
    assert "vae.compile(optimizer='rmsprop')" in migrated
    plain = subprocess.run([sys.executable, str(tmp_path / "out" / "vae.py")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert plain.returncode == 0 and "trained 1" in plain.stdout, plain.stderr[-2000:]


def test_graph_mode_turned_on_earlier_is_removed_and_the_notebook_restarted(tmp_path: Path) -> None:
    cells = [
        "import numpy as np\nimport tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n",
        "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.random.rand(16, 3), np.random.rand(16, 1), epochs=1, verbose=0)\n"
        "print('trained')\n",
    ]
    proc, doc = migrate_notebook(tmp_path, "graph.ipynb", cells)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    first, second = code_cells(tmp_path / "out" / "graph.ipynb")
    assert "disable_eager_execution" not in first.source and "import tensorflow as tf" in first.source
    assert second.source == cells[1]
    assert any("fresh kernel" in note for note in doc["cells"][1]["notes"]), doc["cells"][1]["notes"]


# A cell unchanged by migrate that fails only because an earlier cell ran twice in the kernel (its
# Keras-2 version first, then the corrected one): run top to bottom, the notebook appends once.
APPENDS_ONCE = [
    "import keras\nsteps = []\n",
    "steps.append('optimizer made')\noptimizer = keras.optimizers.Adam(lr=0.01)\n",
    "assert steps == ['optimizer made'], steps\nprint('made once')\n",
]


def test_a_cell_failing_on_what_an_earlier_cells_failed_version_left_runs_in_a_fresh_kernel(
    tmp_path: Path,
) -> None:
    proc, doc = migrate_notebook(tmp_path, "twice.ipynb", APPENDS_ONCE)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    last = doc["cells"][-1]
    assert last["status"] == "ok", last
    assert any("earlier cells' earlier versions" in note for note in last["notes"]), last["notes"]
    cells = code_cells(tmp_path / "out" / "twice.ipynb")
    assert "learning_rate=0.01" in cells[1].source and cells[2].source == APPENDS_ONCE[2]
    script = tmp_path / "migrated.py"
    script.write_text("\n".join(c.source for c in cells))
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0 and "made once" in plain.stdout, plain.stderr[-2000:]
