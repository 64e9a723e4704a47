# source: https://github.com/eriklindernoren/Keras-GAN/blob/01c19e45d3d4aacb181f5b9ef1bf01b3f34f7391/infogan/infogan.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.layers import Input, Dense, Reshape, Flatten, Dropout, concatenate
from keras.layers import BatchNormalization, Activation, Lambda
from keras.layers import LeakyReLU  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.advanced_activations)
from keras.layers import UpSampling2D, Conv2D  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.convolutional)
from keras.models import Sequential, Model
from keras.optimizers.legacy import Adam  # kerasmagic-corpus: the published `from keras.optimizers import Adam`: its one optimizer serves several models, which Keras 2.11-2.15 reject (KeyError: The optimizer cannot recognize variable ...); TF 2.11+ users switched to the legacy optimizers
from keras.utils import to_categorical
import keras.backend as K


class INFOGAN():
    def __init__(self):
        self.img_rows = 28
        self.img_cols = 28
        self.channels = 1
        self.num_classes = 10
        self.img_shape = (self.img_rows, self.img_cols, self.channels)
        self.latent_dim = 74
        optimizer = Adam(0.0002, 0.5)
        losses = ['binary_crossentropy', 'categorical_crossentropy', self.gaussian_loss]
        self.discriminator = self.build_discriminator()
        self.discriminator.compile(loss=losses,
            optimizer=optimizer,
            metrics=['accuracy'])
        self.generator = self.build_generator()
        self.generator.compile(loss=['binary_crossentropy'],
            optimizer=optimizer)
        gen_input = Input(shape=(self.latent_dim,))
        img = self.generator(gen_input)
        self.discriminator.trainable = False
        valid, target_label, target_cont = self.discriminator(img)
        self.combined = Model(gen_input, [valid, target_label, target_cont])
        self.combined.compile(loss=losses,
            optimizer=optimizer)

    def gaussian_loss(self, y_true, y_pred):
        mean = y_pred[0]
        log_stddev = y_pred[1]
        y_true = y_true[0]
        epsilon = (y_true - mean) / (K.exp(log_stddev) + K.epsilon())
        loss = (log_stddev + 0.5 * K.square(epsilon))
        return K.mean(loss)

    def build_generator(self):
        model = Sequential()
        model.add(Dense(128 * 7 * 7, activation="relu", input_dim=self.latent_dim))
        model.add(BatchNormalization(momentum=0.8))
        model.add(Reshape((7, 7, 128)))
        model.add(UpSampling2D())
        model.add(Conv2D(32, kernel_size=4, padding="same"))
        model.add(Activation("relu"))
        model.add(BatchNormalization(momentum=0.8))
        model.add(UpSampling2D())
        model.add(Conv2D(self.channels, kernel_size=4, padding='same'))
        model.add(Activation("tanh"))
        gen_input = Input(shape=(self.latent_dim,))
        return Model(gen_input, model(gen_input))

    def build_discriminator(self):
        model = Sequential()
        model.add(Conv2D(32, kernel_size=4, strides=2, input_shape=self.img_shape, padding="same"))
        model.add(LeakyReLU(alpha=0.2))
        model.add(Dropout(0.25))
        model.add(Flatten())
        model.add(Dense(128))
        model.add(LeakyReLU(alpha=0.2))
        model.add(BatchNormalization(momentum=0.8))
        img = Input(shape=self.img_shape)
        features = model(img)
        validity = Dense(1, activation="sigmoid")(features)

        def linmax(x):
            return K.maximum(x, -16)

        def linmax_shape(input_shape):
            return input_shape

        c_model = Dense(64)(features)
        c_model = LeakyReLU(alpha=0.2)(c_model)
        label = Dense(self.num_classes, activation="softmax")(c_model)
        mean = Dense(1, activation="linear")(c_model)
        log_stddev = Dense(1)(c_model)
        log_stddev = Lambda(linmax, output_shape=linmax_shape)(log_stddev)
        cont = concatenate([mean, log_stddev], axis=1)
        return Model(img, [validity, label, cont])

    def sample_generator_input(self, batch_size):
        sampled_noise = np.random.normal(0, 1, (batch_size, 62))
        sampled_labels = np.random.randint(0, 10, batch_size).reshape(-1, 1)
        sampled_labels = to_categorical(sampled_labels, num_classes=self.num_classes)
        sampled_cont = np.random.uniform(-1, 1, size=(batch_size, 2))
        return sampled_noise, sampled_labels, sampled_cont

    def train(self, epochs, batch_size=128):
        # kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
        X_train = np.random.randint(0, 256, (256, 28, 28)).astype(np.uint8)
        y_train = np.random.randint(0, 10, (256,)).astype(np.uint8)
        X_train = (X_train.astype(np.float32) - 127.5) / 127.5
        X_train = np.expand_dims(X_train, axis=3)
        y_train = y_train.reshape(-1, 1)
        half_batch = int(batch_size / 2)
        for epoch in range(epochs):
            sampled_noise, sampled_labels, sampled_cont = self.sample_generator_input(half_batch)
            gen_input = np.concatenate((sampled_noise, sampled_labels, sampled_cont), axis=1)
            gen_imgs = self.generator.predict(gen_input)
            fake = np.zeros((half_batch, 1))
            d_loss_fake = self.discriminator.train_on_batch(gen_imgs, [fake, sampled_labels, sampled_cont])
            idx = np.random.randint(0, X_train.shape[0], half_batch)
            imgs = X_train[idx]
            labels = to_categorical(y_train[idx], num_classes=self.num_classes)
            valid = np.ones((half_batch, 1))
            d_loss_real = self.discriminator.train_on_batch(imgs, [valid, labels, sampled_cont])
            d_loss = 0.5 * np.add(d_loss_real, d_loss_fake)
            valid = np.ones((batch_size, 1))
            sampled_noise, sampled_labels, sampled_cont = self.sample_generator_input(batch_size)
            gen_input = np.concatenate((sampled_noise, sampled_labels, sampled_cont), axis=1)
            g_loss = self.combined.train_on_batch(gen_input, [valid, sampled_labels, sampled_cont])
            print("%d [D loss: %.2f, acc.: %.2f%%, label_acc: %.2f%%] [G loss: %.2f]" % (epoch, d_loss[0], 100*d_loss[4], 100*d_loss[5], g_loss[0]))


if __name__ == '__main__':
    infogan = INFOGAN()
    infogan.train(epochs=2, batch_size=32)  # kerasmagic-corpus: cut (6000 epochs)
