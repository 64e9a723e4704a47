# source: https://github.com/eriklindernoren/Keras-GAN/blob/01c19e45d3d4aacb181f5b9ef1bf01b3f34f7391/wgan/wgan.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.layers import Input, Dense, Reshape, Flatten, Dropout
from keras.layers import BatchNormalization, Activation, ZeroPadding2D
from keras.layers import LeakyReLU  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.advanced_activations)
from keras.layers import UpSampling2D, Conv2D  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.convolutional)
from keras.models import Sequential, Model
from keras.optimizers.legacy import RMSprop  # kerasmagic-corpus: the published `from keras.optimizers import RMSprop`: its one optimizer serves several models, which Keras 2.11-2.15 reject (KeyError: The optimizer cannot recognize variable ...); TF 2.11+ users switched to the legacy optimizers
import keras.backend as K


class WGAN():
    def __init__(self):
        self.img_rows = 28
        self.img_cols = 28
        self.channels = 1
        self.n_critic = 5
        self.clip_value = 0.01
        optimizer = RMSprop(lr=0.00005)

        self.discriminator = self.build_discriminator()
        self.discriminator.compile(loss=self.wasserstein_loss,
            optimizer=optimizer,
            metrics=['accuracy'])
        self.generator = self.build_generator()
        self.generator.compile(loss=self.wasserstein_loss, optimizer=optimizer)

        z = Input(shape=(100,))
        img = self.generator(z)
        self.discriminator.trainable = False
        valid = self.discriminator(img)
        self.combined = Model(z, valid)
        self.combined.compile(loss=self.wasserstein_loss,
            optimizer=optimizer,
            metrics=['accuracy'])

    def wasserstein_loss(self, y_true, y_pred):
        return K.mean(y_true * y_pred)

    def build_generator(self):
        noise_shape = (100,)
        model = Sequential()
        model.add(Dense(128 * 7 * 7, activation="relu", input_shape=noise_shape))
        model.add(Reshape((7, 7, 128)))
        model.add(BatchNormalization(momentum=0.8))
        model.add(UpSampling2D())
        model.add(Conv2D(64, kernel_size=4, padding="same"))
        model.add(Activation("relu"))
        model.add(BatchNormalization(momentum=0.8))
        model.add(UpSampling2D())
        model.add(Conv2D(1, kernel_size=4, padding="same"))
        model.add(Activation("tanh"))
        noise = Input(shape=noise_shape)
        return Model(noise, model(noise))

    def build_discriminator(self):
        img_shape = (self.img_rows, self.img_cols, self.channels)
        model = Sequential()
        model.add(Conv2D(16, kernel_size=3, strides=2, input_shape=img_shape, padding="same"))
        model.add(LeakyReLU(alpha=0.2))
        model.add(Dropout(0.25))
        model.add(Conv2D(32, kernel_size=3, strides=2, padding="same"))
        model.add(ZeroPadding2D(padding=((0,1),(0,1))))
        model.add(LeakyReLU(alpha=0.2))
        model.add(Dropout(0.25))
        model.add(BatchNormalization(momentum=0.8))
        model.add(Flatten())
        img = Input(shape=img_shape)
        features = model(img)
        valid = Dense(1, activation="linear")(features)
        return Model(img, valid)

    def train(self, epochs, batch_size=128):
        # kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
        X_train = np.random.randint(0, 256, (256, 28, 28)).astype(np.uint8)
        X_train = (X_train.astype(np.float32) - 127.5) / 127.5
        X_train = np.expand_dims(X_train, axis=3)
        half_batch = int(batch_size / 2)
        for epoch in range(epochs):
            for _ in range(self.n_critic):
                idx = np.random.randint(0, X_train.shape[0], half_batch)
                imgs = X_train[idx]
                noise = np.random.normal(0, 1, (half_batch, 100))
                gen_imgs = self.generator.predict(noise)
                d_loss_real = self.discriminator.train_on_batch(imgs, -np.ones((half_batch, 1)))
                d_loss_fake = self.discriminator.train_on_batch(gen_imgs, np.ones((half_batch, 1)))
                d_loss = 0.5 * np.add(d_loss_fake, d_loss_real)
                for l in self.discriminator.layers:
                    weights = l.get_weights()
                    weights = [np.clip(w, -self.clip_value, self.clip_value) for w in weights]
                    l.set_weights(weights)
            noise = np.random.normal(0, 1, (batch_size, 100))
            g_loss = self.combined.train_on_batch(noise, -np.ones((batch_size, 1)))
            print("%d [D loss: %f] [G loss: %f]" % (epoch, 1 - d_loss[0], 1 - g_loss[0]))
        # kerasmagic-corpus: the periodic sample-image plots are removed (matplotlib files only)


if __name__ == '__main__':
    wgan = WGAN()
    wgan.train(epochs=2, batch_size=32)  # kerasmagic-corpus: cut (4000 epochs)
