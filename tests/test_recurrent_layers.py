"""nn.LSTM / nn.GRU / nn.RNN become mindspore.nn's (mint has none): torch's `bias` is MindSpore's
`has_bias`, the arguments past num_layers go by name (RNN's nonlinearity is keyword-only there),
proj_size has no counterpart (flagged), and a subclass's `super().__init__(...)` gets the same
rule. The parameter names are torch's (weight_ih_l0, bias_hh_l1_reverse, ...), so weights copied
by name give the same outputs: proven by running both (torch2ms verify)."""
import textwrap

import pytest

from conftest import check, convert

STACK = '''
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self, bias: bool = True, device=None, dtype=None):
        super().__init__()
        dd = {"device": device, "dtype": dtype}
        self.lstm = nn.LSTM(6, 5, 2, batch_first=True, bias=bias, bidirectional=True, **dd)
        self.gru = nn.GRU(10, 4, 1, False, True)
        self.rnn = nn.RNN(4, 3, 1, "relu", True, True)
        self.plain = nn.LSTM(3, 4, 1, proj_size=0, batch_first=True)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        y, _ = self.gru(y)
        y, h2 = self.rnn(y)
        z, _ = self.plain(y)
        return z, h, c, h2


class Bidirectional(nn.LSTM):
    def __init__(self, size, layers=2):
        super().__init__(size, size, layers, False, batch_first=True, bidirectional=True)

    def forward(self, x):
        y, _ = super().forward(x)
        return y


class Keywords(nn.GRU):
    def __init__(self, size):
        super(Keywords, self).__init__(input_size=size, hidden_size=3, bias=False, batch_first=True)
'''


def test_torch_arguments_take_mindspores_names():
    check(STACK, '''
        from mindspore import nn


        class Stack(nn.Cell):
            def __init__(self, bias: bool = True, device=None, dtype=None):
                super().__init__()
                dd = {"dtype": dtype}
                self.lstm = nn.LSTM(6, 5, 2, batch_first=True, has_bias=bias, bidirectional=True, **dd)
                self.gru = nn.GRU(10, 4, 1, has_bias=False, batch_first=True)
                self.rnn = nn.RNN(4, 3, 1, nonlinearity="relu", has_bias=True, batch_first=True)
                self.plain = nn.LSTM(3, 4, 1, batch_first=True)

            def construct(self, x):
                y, (h, c) = self.lstm(x)
                y, _ = self.gru(y)
                y, h2 = self.rnn(y)
                z, _ = self.plain(y)
                return z, h, c, h2


        class Bidirectional(nn.LSTM):
            def __init__(self, size, layers=2):
                super().__init__(size, size, layers, has_bias=False, batch_first=True, bidirectional=True)

            def construct(self, x):
                y, _ = super().construct(x)
                return y


        class Keywords(nn.GRU):
            def __init__(self, size):
                super(Keywords, self).__init__(input_size=size, hidden_size=3, has_bias=False, batch_first=True)
        ''')


def test_a_projection_has_no_counterpart_and_is_flagged():
    out = convert('''
        import torch.nn as nn
        lstm = nn.LSTM(8, 16, proj_size=4)
    ''')
    assert "nn.LSTM(8, 16, proj_size=4).set_train(True)  # torch2ms: torch.nn.LSTM needs a manual rewrite" in out
    assert "no projection" in out


@pytest.mark.slow
@pytest.mark.parametrize("name, shape", [("Stack", (2, 7, 6)), ("Bidirectional", (2, 5, 4)), ("Keywords", (3, 4, 2))])
def test_converted_recurrent_layers_compute_what_torchs_compute(tmp_path, name, shape):
    pytest.importorskip("torch")
    pytest.importorskip("mindspore")
    from torch2ms.verify import verify_module

    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(STACK))
    args = {"Bidirectional": "[4]", "Keywords": "[2]"}.get(name)
    report = verify_module(f"{model}:{name}", args=args, inputs=[("shape", shape)])
    assert report.verdict == "match", report.text()
    assert report.weights["copied"] > 0
    assert report.weights["unmatched_torch"] == [] and report.weights["unmatched_mindspore"] == []
