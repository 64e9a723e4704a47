# source: https://github.com/bckenstler/CLR/blob/0852c6eda3b66f5d1a816fb1028472ee107673db/clr_callback.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here,
# with a small training run in the form the repository's README shows (CyclicLR passed to model.fit)
import numpy as np  # kerasmagic-corpus: Keras 2.0's `from keras.callbacks import *` also brought np and K
from keras import backend as K
from keras.callbacks import *


class CyclicLR(Callback):
    def __init__(self, base_lr=0.001, max_lr=0.006, step_size=2000., mode='triangular',
                 gamma=1., scale_fn=None, scale_mode='cycle'):
        super(CyclicLR, self).__init__()
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size = step_size
        self.mode = mode
        self.gamma = gamma
        if scale_fn is None:
            if self.mode == 'triangular2':
                self.scale_fn = lambda x: 1 / (2. ** (x - 1))
                self.scale_mode = 'cycle'
            elif self.mode == 'exp_range':
                self.scale_fn = lambda x: gamma ** x
                self.scale_mode = 'iterations'
            else:
                self.scale_fn = lambda x: 1.
                self.scale_mode = 'cycle'
        else:
            self.scale_fn = scale_fn
            self.scale_mode = scale_mode
        self.clr_iterations = 0.
        self.trn_iterations = 0.
        self.history = {}

    def clr(self):
        cycle = np.floor(1 + self.clr_iterations / (2 * self.step_size))
        x = np.abs(self.clr_iterations / self.step_size - 2 * cycle + 1)
        scale = self.scale_fn(cycle if self.scale_mode == 'cycle' else self.clr_iterations)
        return self.base_lr + (self.max_lr - self.base_lr) * np.maximum(0, (1 - x)) * scale

    def on_train_begin(self, logs={}):
        logs = logs or {}
        if self.clr_iterations == 0:
            K.set_value(self.model.optimizer.lr, self.base_lr)
        else:
            K.set_value(self.model.optimizer.lr, self.clr())

    def on_batch_end(self, epoch, logs=None):
        logs = logs or {}
        self.trn_iterations += 1
        self.clr_iterations += 1
        K.set_value(self.model.optimizer.lr, self.clr())
        self.history.setdefault('lr', []).append(K.get_value(self.model.optimizer.lr))
        self.history.setdefault('iterations', []).append(self.trn_iterations)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)


from keras.models import Sequential
from keras.layers import Dense

# kerasmagic-corpus: synthetic data (the README's X_train, Y_train)
X_train = np.random.rand(512, 20).astype('float32')
Y_train = (X_train.sum(axis=1, keepdims=True) > 10).astype('float32')
model = Sequential([Dense(16, activation='relu', input_shape=(20,)), Dense(1, activation='sigmoid')])
model.compile(loss='binary_crossentropy', optimizer='sgd', metrics=['accuracy'])
clr = CyclicLR(base_lr=0.001, max_lr=0.006,
               step_size=8., mode='triangular')  # kerasmagic-corpus: cut (step_size=2000.)
model.fit(X_train, Y_train, batch_size=32, epochs=2, callbacks=[clr])
print('last learning rates', [float(v) for v in clr.history['lr'][-3:]])
